package lab_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/lab"
	"scrim/lab/labtest"
)

// certificate makes a CA and a server certificate for 127.0.0.1 signed by
// it, as PEM.
func certificate(t *testing.T) (caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scrim test lab CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// sslmode=verify-full: the connection is encrypted and the server's
// certificate checked against the CA; another CA is refused.
func TestVerifyFullTLS(t *testing.T) {
	url := labtest.Database(t)
	caPEM, certPEM, keyPEM := certificate(t)
	if err := labtest.Get(t).EnableTLS(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	tlsURL := strings.Replace(url, "sslmode=disable", "sslmode=verify-full&sslrootcert="+caFile, 1)
	ctx := context.Background()
	l, err := lab.Open(ctx, tlsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, err := l.Status(ctx)
	if err != nil || !st.TLS {
		t.Fatalf("verify-full connection: %+v, %v", st, err)
	}
	otherCA, _, _ := certificate(t)
	otherFile := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(otherFile, otherCA, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(url, "sslmode=disable", "sslmode=verify-full&sslrootcert="+otherFile, 1)
	if l, err := lab.Open(ctx, bad); err == nil {
		l.Close()
		t.Fatal("a server whose certificate another CA signed was accepted")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("refusal does not say why: %v", err)
	}
	plain := open(t, url)
	if st, err := plain.Status(ctx); err != nil || st.TLS {
		t.Fatalf("sslmode=disable: %+v, %v", st, err)
	}
}
