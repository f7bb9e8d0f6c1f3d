package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"scrim/internal/benchrow"
)

// currentHeader describes this run: the time now, the checkout's commit and
// this machine, read where the benchmarks run.
func currentHeader(now time.Time) Header {
	return Header{Date: now.UTC().Format(benchrow.TimeLayout), Commit: gitCommit(), Machine: machine()}
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "+dirty"
	}
	return c
}

// machine is "2 CPUs, AMD EPYC, 23.5 GiB memory": what the figures depend on.
func machine() string {
	model := "CPU model unknown"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.Join(strings.Fields(v), " ")
				break
			}
		}
		f.Close()
	}
	mem := "memory unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB memory", kb/(1<<20))
				}
			}
		}
	}
	return benchrow.Escape(fmt.Sprintf("%d CPUs, %s, %s", runtime.NumCPU(), model, mem))
}
