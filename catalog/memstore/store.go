// Package memstore is the in-memory catalog.Store: the default for tests and small deployments,
// and the reference every other store is checked against by catalog/storetest.
package memstore

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// Store keeps the catalog in maps guarded by one read-write mutex, with ordered id indexes by
// status, by (status, community) and by (status, board) for demands, and by skill and community
// for providers, so that a page of a filtered list costs about the page, not the list.
type Store struct {
	mu     sync.RWMutex
	closed bool

	demands   map[uuid.UUID]*catalog.Demand
	providers map[uuid.UUID]*catalog.Provider
	boards    map[uuid.UUID]*catalog.Board
	claims    map[uuid.UUID][]catalog.Claim // by demand, sorted by provider id
	audits    map[uuid.UUID][]catalog.Audit // by demand, sorted by provider id
	events    map[uuid.UUID][]catalog.Event // by demand, sorted by Seq

	byStatus          map[catalog.Status]*idSet
	byStatusCommunity map[communityKey]*idSet
	byStatusBoard     map[boardKey]*idSet
	boardIDs          idSet

	providerIDs          idSet
	providersBySkill     map[catalog.Skill]*idSet
	providersByCommunity map[catalog.GridPath]*idSet
	providerDemands      map[uuid.UUID]*idSet // demands a provider has a claim on (any state)
}

type communityKey struct {
	status    catalog.Status
	community catalog.GridPath
}

type boardKey struct {
	status catalog.Status
	board  uuid.UUID
}

var _ catalog.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		demands:              make(map[uuid.UUID]*catalog.Demand),
		providers:            make(map[uuid.UUID]*catalog.Provider),
		boards:               make(map[uuid.UUID]*catalog.Board),
		claims:               make(map[uuid.UUID][]catalog.Claim),
		audits:               make(map[uuid.UUID][]catalog.Audit),
		events:               make(map[uuid.UUID][]catalog.Event),
		byStatus:             make(map[catalog.Status]*idSet),
		byStatusCommunity:    make(map[communityKey]*idSet),
		byStatusBoard:        make(map[boardKey]*idSet),
		providersBySkill:     make(map[catalog.Skill]*idSet),
		providersByCommunity: make(map[catalog.GridPath]*idSet),
		providerDemands:      make(map[uuid.UUID]*idSet),
	}
}

// Close implements catalog.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func errClosed(op string) error { return fmt.Errorf("memstore %s: %w", op, catalog.ErrClosed) }

// Apply implements catalog.Store: it checks every version first and writes only if all match.
func (s *Store) Apply(ctx context.Context, c catalog.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := c.Records(); n > catalog.ChangeRecordsMax {
		return fmt.Errorf("memstore apply: %d records, max %d: %w", n, catalog.ChangeRecordsMax, catalog.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed("apply")
	}
	if err := s.check(c); err != nil {
		return err
	}
	for i := range c.Demands {
		s.putDemand(c.Demands[i].Clone())
	}
	for i := range c.Providers {
		s.putProvider(c.Providers[i].Clone())
	}
	for i := range c.Boards {
		b := c.Boards[i]
		s.boards[b.ID] = &b
		s.boardIDs.insert(b.ID)
	}
	for _, cl := range c.Claims {
		s.putClaim(cl)
	}
	for _, a := range c.Audits {
		s.audits[a.DemandID] = upsertByProvider(s.audits[a.DemandID], a, func(x catalog.Audit) uuid.UUID { return x.ProviderID })
	}
	for _, e := range c.Events {
		evs := s.events[e.DemandID]
		i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq >= e.Seq })
		evs = append(evs, catalog.Event{})
		copy(evs[i+1:], evs[i:])
		evs[i] = e
		s.events[e.DemandID] = evs
	}
	return nil
}

// check verifies the versions of c against the stored state and against earlier records of c.
func (s *Store) check(c catalog.Change) error {
	pending := make(map[uuid.UUID]uint64, len(c.Demands)+len(c.Providers)+len(c.Boards))
	version := func(kind string, id uuid.UUID, written uint64, stored uint64, exists bool) error {
		if v, ok := pending[id]; ok {
			stored, exists = v, true
		}
		switch {
		case written == 0:
			return fmt.Errorf("memstore apply: %s %s written with version 0: %w", kind, id, catalog.ErrInvalid)
		case written == 1 && exists:
			return fmt.Errorf("memstore apply: %s %s: %w", kind, id, catalog.ErrAlreadyExists)
		case written > 1 && !exists:
			return fmt.Errorf("memstore apply: %s %s: %w", kind, id, catalog.ErrNotFound)
		case written > 1 && stored != written-1:
			return fmt.Errorf("memstore apply: %s %s stored version %d, written %d: %w", kind, id, stored, written, catalog.ErrVersionConflict)
		}
		pending[id] = written
		return nil
	}
	for _, d := range c.Demands {
		var stored uint64
		old, ok := s.demands[d.ID]
		if ok {
			stored = old.Version
		}
		if err := version("demand", d.ID, d.Version, stored, ok); err != nil {
			return err
		}
	}
	for _, p := range c.Providers {
		var stored uint64
		old, ok := s.providers[p.ID]
		if ok {
			stored = old.Version
		}
		if err := version("provider", p.ID, p.Version, stored, ok); err != nil {
			return err
		}
	}
	for _, b := range c.Boards {
		var stored uint64
		old, ok := s.boards[b.ID]
		if ok {
			stored = old.Version
		}
		if err := version("board", b.ID, b.Version, stored, ok); err != nil {
			return err
		}
	}
	type eventKey struct {
		demand uuid.UUID
		seq    uint64
	}
	seen := make(map[eventKey]bool, len(c.Events))
	for _, e := range c.Events {
		k := eventKey{e.DemandID, e.Seq}
		evs := s.events[e.DemandID]
		i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq >= e.Seq })
		if seen[k] || (i < len(evs) && evs[i].Seq == e.Seq) {
			return fmt.Errorf("memstore apply: event %s #%d exists: %w", e.DemandID, e.Seq, catalog.ErrVersionConflict)
		}
		seen[k] = true
	}
	return nil
}

func (s *Store) demandSets(d *catalog.Demand) (*idSet, *idSet, *idSet) {
	st := s.byStatus[d.Status]
	if st == nil {
		st = &idSet{}
		s.byStatus[d.Status] = st
	}
	ck := communityKey{d.Status, d.Location.Grid.Community()}
	cs := s.byStatusCommunity[ck]
	if cs == nil {
		cs = &idSet{}
		s.byStatusCommunity[ck] = cs
	}
	var bs *idSet
	if d.BoardID != uuid.Nil {
		bk := boardKey{d.Status, d.BoardID}
		bs = s.byStatusBoard[bk]
		if bs == nil {
			bs = &idSet{}
			s.byStatusBoard[bk] = bs
		}
	}
	return st, cs, bs
}

func (s *Store) putDemand(d catalog.Demand) {
	if old, ok := s.demands[d.ID]; ok {
		if old.Status == d.Status && old.BoardID == d.BoardID && old.Location.Grid.Community() == d.Location.Grid.Community() {
			*old = d
			return
		}
		st, cs, bs := s.demandSets(old)
		st.remove(d.ID)
		cs.remove(d.ID)
		if bs != nil {
			bs.remove(d.ID)
		}
		*old = d
		st, cs, bs = s.demandSets(old)
		st.insert(d.ID)
		cs.insert(d.ID)
		if bs != nil {
			bs.insert(d.ID)
		}
		return
	}
	p := &d
	s.demands[d.ID] = p
	st, cs, bs := s.demandSets(p)
	st.insert(d.ID)
	cs.insert(d.ID)
	if bs != nil {
		bs.insert(d.ID)
	}
}

func (s *Store) providerIndex(p *catalog.Provider, add bool) {
	set := func(m map[catalog.Skill]*idSet, k catalog.Skill) {
		x := m[k]
		if x == nil {
			x = &idSet{}
			m[k] = x
		}
		if add {
			x.insert(p.ID)
		} else {
			x.remove(p.ID)
		}
	}
	for _, sk := range p.Skills {
		set(s.providersBySkill, sk)
	}
	com := s.providersByCommunity[p.Home.Community()]
	if com == nil {
		com = &idSet{}
		s.providersByCommunity[p.Home.Community()] = com
	}
	if add {
		com.insert(p.ID)
	} else {
		com.remove(p.ID)
	}
}

func (s *Store) putProvider(p catalog.Provider) {
	if old, ok := s.providers[p.ID]; ok {
		if !sameSkills(old.Skills, p.Skills) || old.Home.Community() != p.Home.Community() {
			s.providerIndex(old, false)
			*old = p
			s.providerIndex(old, true)
			return
		}
		*old = p
		return
	}
	ptr := &p
	s.providers[p.ID] = ptr
	s.providerIDs.insert(p.ID)
	s.providerIndex(ptr, true)
}

func sameSkills(a, b []catalog.Skill) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *Store) putClaim(cl catalog.Claim) {
	s.claims[cl.DemandID] = upsertByProvider(s.claims[cl.DemandID], cl, func(x catalog.Claim) uuid.UUID { return x.ProviderID })
	set := s.providerDemands[cl.ProviderID]
	if set == nil {
		set = &idSet{}
		s.providerDemands[cl.ProviderID] = set
	}
	set.insert(cl.DemandID)
}

func upsertByProvider[T any](list []T, x T, key func(T) uuid.UUID) []T {
	k := key(x)
	i := sort.Search(len(list), func(i int) bool { return !less(key(list[i]), k) })
	if i < len(list) && key(list[i]) == k {
		list[i] = x
		return list
	}
	list = append(list, x)
	copy(list[i+1:], list[i:])
	list[i] = x
	return list
}

// Demand implements catalog.Store.
func (s *Store) Demand(_ context.Context, id uuid.UUID) (catalog.Demand, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return catalog.Demand{}, errClosed("demand")
	}
	d, ok := s.demands[id]
	if !ok {
		return catalog.Demand{}, fmt.Errorf("memstore: demand %s: %w", id, catalog.ErrNotFound)
	}
	return d.Clone(), nil
}

func checkLimit(op string, limit int) error {
	if limit < 1 || limit > catalog.PageSizeMax {
		return fmt.Errorf("memstore %s: limit %d, want 1..%d: %w", op, limit, catalog.PageSizeMax, catalog.ErrInvalid)
	}
	return nil
}

// Demands implements catalog.Store. It walks the narrowest index the query allows: the board,
// else the community, else the status, for each wanted status, merged in id order.
func (s *Store) Demands(_ context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	if err := checkLimit("demands", q.Limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("demands")
	}
	statuses := q.Statuses.Slice()
	if q.Statuses == 0 {
		statuses = catalog.StatusSet(^uint16(0)).Slice()
	}
	sets := make([]*idSet, 0, len(statuses))
	for _, st := range statuses {
		var set *idSet
		switch {
		case q.BoardID != uuid.Nil:
			set = s.byStatusBoard[boardKey{st, q.BoardID}]
		case q.Grid.Depth() >= catalog.LevelCommunity:
			set = s.byStatusCommunity[communityKey{st, q.Grid.Community()}]
		default:
			set = s.byStatus[st]
		}
		if set != nil {
			sets = append(sets, set)
		}
	}
	out := []catalog.Demand{}
	merged(sets, q.After, func(id uuid.UUID) bool {
		d := s.demands[id]
		if q.Matches(*d) {
			out = append(out, d.Clone())
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Provider implements catalog.Store.
func (s *Store) Provider(_ context.Context, id uuid.UUID) (catalog.Provider, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return catalog.Provider{}, errClosed("provider")
	}
	p, ok := s.providers[id]
	if !ok {
		return catalog.Provider{}, fmt.Errorf("memstore: provider %s: %w", id, catalog.ErrNotFound)
	}
	return p.Clone(), nil
}

// Providers implements catalog.Store.
func (s *Store) Providers(_ context.Context, q catalog.ProviderQuery) ([]catalog.Provider, error) {
	if err := checkLimit("providers", q.Limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("providers")
	}
	set := &s.providerIDs
	switch {
	case q.Skill != "":
		set = s.providersBySkill[q.Skill]
	case q.Grid.Depth() >= catalog.LevelCommunity:
		set = s.providersByCommunity[q.Grid.Community()]
	}
	out := []catalog.Provider{}
	if set == nil {
		return out, nil
	}
	merged([]*idSet{set}, q.After, func(id uuid.UUID) bool {
		p := s.providers[id]
		if q.Matches(*p) {
			out = append(out, p.Clone())
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Board implements catalog.Store.
func (s *Store) Board(_ context.Context, id uuid.UUID) (catalog.Board, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return catalog.Board{}, errClosed("board")
	}
	b, ok := s.boards[id]
	if !ok {
		return catalog.Board{}, fmt.Errorf("memstore: board %s: %w", id, catalog.ErrNotFound)
	}
	return *b, nil
}

// Boards implements catalog.Store.
func (s *Store) Boards(_ context.Context, q catalog.BoardQuery) ([]catalog.Board, error) {
	if err := checkLimit("boards", q.Limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("boards")
	}
	out := []catalog.Board{}
	merged([]*idSet{&s.boardIDs}, q.After, func(id uuid.UUID) bool {
		if b := s.boards[id]; q.Matches(*b) {
			out = append(out, *b)
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Claims implements catalog.Store.
func (s *Store) Claims(_ context.Context, demandID uuid.UUID) ([]catalog.Claim, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("claims")
	}
	return append([]catalog.Claim{}, s.claims[demandID]...), nil
}

// ProviderClaims implements catalog.Store.
func (s *Store) ProviderClaims(_ context.Context, providerID uuid.UUID, q catalog.ClaimQuery) ([]catalog.Claim, error) {
	if err := checkLimit("provider claims", q.Limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("provider claims")
	}
	out := []catalog.Claim{}
	set := s.providerDemands[providerID]
	if set == nil {
		return out, nil
	}
	merged([]*idSet{set}, q.After, func(demandID uuid.UUID) bool {
		for _, cl := range s.claims[demandID] {
			if cl.ProviderID == providerID && (!q.ActiveOnly || cl.State == catalog.ClaimActive) {
				out = append(out, cl)
			}
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Audits implements catalog.Store.
func (s *Store) Audits(_ context.Context, demandID uuid.UUID) ([]catalog.Audit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("audits")
	}
	return append([]catalog.Audit{}, s.audits[demandID]...), nil
}

// Events implements catalog.Store.
func (s *Store) Events(_ context.Context, demandID uuid.UUID, afterSeq uint64, limit int) ([]catalog.Event, error) {
	if err := checkLimit("events", limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("events")
	}
	evs := s.events[demandID]
	i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > afterSeq })
	evs = evs[i:]
	if len(evs) > limit {
		evs = evs[:limit]
	}
	return append([]catalog.Event{}, evs...), nil
}
