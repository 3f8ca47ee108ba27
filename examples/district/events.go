package main

import (
	"container/heap"
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// clock is the simulated time that the catalog, the ledger and the time bank all read.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// idSource gives version-7 UUIDs whose time part is the simulated clock, followed by a counter
// (RFC 9562's monotonic method) and a seeded random tail: ids sort in creation order even within
// one simulated millisecond, and a seed gives the same ids every run.
type idSource struct {
	clk *clock
	r   *rand.Rand
	n   uint64 // ids given so far; 26 bits of it go into the id
}

func (s *idSource) New() uuid.UUID {
	var u uuid.UUID
	ms := uint64(s.clk.now.UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	s.n++
	c := s.n
	u[6] = 0x70 | byte(c>>22)&0x0f // version 7
	u[7] = byte(c >> 14)
	u[8] = 0x80 | byte(c>>8)&0x3f // RFC 4122 variant
	u[9] = byte(c)
	var tail [8]byte
	binary.BigEndian.PutUint64(tail[:], s.r.Uint64())
	copy(u[10:], tail[:6])
	return u
}

// event is one thing that happens at a simulated time; events at the same time run in the
// order they were scheduled.
type event struct {
	at  time.Time
	seq uint64
	run func() error
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// scheduler runs events in time order and moves the clock; an event is never scheduled before
// the present, so the clock only moves forward.
type scheduler struct {
	clk *clock
	q   eventQueue
	seq uint64
}

func (s *scheduler) at(t time.Time, run func() error) {
	if t.Before(s.clk.now) {
		t = s.clk.now
	}
	s.seq++
	heap.Push(&s.q, &event{at: t, seq: s.seq, run: run})
}

// runUntil runs every event before end; tick is called whenever the clock passes into a new day.
func (s *scheduler) runUntil(end time.Time, tick func(day time.Time)) error {
	lastDay := s.clk.now.Truncate(24 * time.Hour)
	for s.q.Len() > 0 {
		e := s.q[0]
		if !e.at.Before(end) {
			break
		}
		heap.Pop(&s.q)
		s.clk.now = e.at
		if day := e.at.Truncate(24 * time.Hour); day.After(lastDay) {
			for d := lastDay.Add(24 * time.Hour); !d.After(day); d = d.Add(24 * time.Hour) {
				tick(d)
			}
			lastDay = day
		}
		if err := e.run(); err != nil {
			return err
		}
	}
	return nil
}
