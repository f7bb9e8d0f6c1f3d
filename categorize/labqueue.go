package categorize

import "scrim/store"

// Each examiner decision and each undo is queued for the lab's library in
// the transaction that records it (store.Tx.QueueLab), whether or not a lab
// is set: lab.SendCase sends the queue when there is one and the case is
// not private. Sending never happens here, so a decision never waits on
// the network.

// queueDecision queues decision a on media sha.
func (e *Engine) queueDecision(tx *store.Tx, sha string, a store.Assignment) error {
	m, _, err := tx.Media(sha)
	if err != nil {
		return err
	}
	uid, err := tx.CaseUID()
	if err != nil {
		return err
	}
	return tx.QueueLab(store.LabRecord{ID: store.LabRecordID(uid, sha, a.At), Kind: store.LabDecision,
		SHA256: sha, MD5: m.MD5, SHA1: m.SHA1, PHash: m.PHash, DHash: m.DHash,
		Category: a.Category, Scheme: e.scheme.ID, Examiner: a.Source, At: a.At})
}

// queueWithdrawal queues undo u, which withdraws the decision made at
// u.Withdraws.
func (e *Engine) queueWithdrawal(tx *store.Tx, sha string, u store.Assignment) error {
	uid, err := tx.CaseUID()
	if err != nil {
		return err
	}
	return tx.QueueLab(store.LabRecord{ID: store.LabRecordID(uid, sha, u.At), Kind: store.LabWithdrawal,
		Withdraws: store.LabRecordID(uid, sha, u.Withdraws), SHA256: sha, Examiner: u.Source, At: u.At})
}

// knownSource is the provenance of a hash-set or exact lab match.
func knownSource(a store.Assignment) store.Provenance {
	if a.Kind == store.AssignLab {
		return store.LabSource(a.Source)
	}
	return store.HashSetSource(a.Source)
}
