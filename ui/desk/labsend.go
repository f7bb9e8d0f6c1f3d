package desk

import (
	"context"
	"time"

	"scrim/lab"
)

// labSender sends the open case's lab outbox (its decisions and undos,
// queued with each decision) to the lab's library every few seconds, off
// the categorize-and-advance path: a key press never waits on the network,
// and a lab out of reach only means the outbox waits.
type labSender struct {
	stop, done chan struct{}
}

// labSendEvery is how often the open case's outbox is sent.
const labSendEvery = 3 * time.Second

func (w *Workstation) startLabSender() {
	if w.opt.Home == nil || w.st == nil {
		return
	}
	l, ok := w.opt.Home.LabConn().(*lab.Lab)
	if !ok || l == nil {
		return
	}
	st, ws := w.st, w.opt.Home.Workstation()
	s := &labSender{stop: make(chan struct{}), done: make(chan struct{})}
	send := func(limit time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		lab.SendCase(ctx, l, st, ws) // an error leaves the outbox for the next round
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(labSendEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				send(5 * time.Second) // what the examiner decided last
				return
			case <-t.C:
				send(30 * time.Second)
			}
		}
	}()
	w.labSend = s
}

// stopLabSender sends once more and stops, before the case closes.
func (w *Workstation) stopLabSender() {
	if w.labSend == nil {
		return
	}
	close(w.labSend.stop)
	<-w.labSend.done
	w.labSend = nil
}
