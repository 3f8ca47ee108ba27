// Package memstore is the in-memory catalog.Store: the default for tests and small deployments,
// and the reference every other store is checked against by catalog/storetest.
package memstore

import (
	"context"
	"fmt"
	"slices"
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

	demands   map[uuid.UUID]*demandRec
	providers map[uuid.UUID]*catalog.Provider
	boards    map[uuid.UUID]*catalog.Board

	byStatus          map[catalog.Status]*idSet
	byStatusCommunity map[communityKey]map[string]*idSet // category -> set
	byStatusBoard     map[boardKey]*idSet
	boardIDs          idSet

	providerIDs          idSet
	providersBySkill     map[catalog.Skill]*idSet
	providersByCommunity map[catalog.GridPath]*idSet
	providersBySkillHome map[skillCommunity]*idSet // the matcher's candidate index: skill x community
	providerDemands      map[uuid.UUID]*idSet      // demands a provider has a claim on (any state)
}

// demandRec is a demand with everything that belongs to it, so one map lookup finds it all.
type demandRec struct {
	d      catalog.Demand
	claims []catalog.Claim // sorted by provider id
	audits []catalog.Audit // sorted by provider id
	events []catalog.Event // sorted by Seq
}

type communityKey struct {
	status    catalog.Status
	community catalog.GridPath
}

type skillCommunity struct {
	skill     catalog.Skill
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
		demands:              make(map[uuid.UUID]*demandRec),
		providers:            make(map[uuid.UUID]*catalog.Provider),
		boards:               make(map[uuid.UUID]*catalog.Board),
		byStatus:             make(map[catalog.Status]*idSet),
		byStatusCommunity:    make(map[communityKey]map[string]*idSet),
		byStatusBoard:        make(map[boardKey]*idSet),
		providersBySkill:     make(map[catalog.Skill]*idSet),
		providersByCommunity: make(map[catalog.GridPath]*idSet),
		providersBySkillHome: make(map[skillCommunity]*idSet),
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
		b := new(catalog.Board)
		*b = c.Boards[i]
		s.boards[b.ID] = b
		s.boardIDs.insert(b.ID)
	}
	for _, cl := range c.Claims {
		s.putClaim(cl)
	}
	for _, a := range c.Audits {
		r := s.demands[a.DemandID]
		r.audits = upsertByProvider(r.audits, a, func(x catalog.Audit) uuid.UUID { return x.ProviderID })
	}
	for _, e := range c.Events {
		r := s.demands[e.DemandID]
		evs := r.events
		i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq >= e.Seq })
		evs = append(evs, catalog.Event{})
		copy(evs[i+1:], evs[i:])
		evs[i] = e
		r.events = evs
	}
	return nil
}

// check verifies the versions of c against the stored state and against earlier records of c.
func (s *Store) check(c catalog.Change) error {
	// Versions written earlier in this change: a short slice for the usual few records, a map
	// only for a large change (an import or a board).
	type pendingVersion struct {
		id      uuid.UUID
		version uint64
	}
	var small [8]pendingVersion
	pendingList := small[:0]
	var pendingMap map[uuid.UUID]uint64
	if len(c.Demands)+len(c.Providers)+len(c.Boards) > len(small) {
		pendingMap = make(map[uuid.UUID]uint64, len(c.Demands)+len(c.Providers)+len(c.Boards))
	}
	lookup := func(id uuid.UUID) (uint64, bool) {
		if pendingMap != nil {
			v, ok := pendingMap[id]
			return v, ok
		}
		for i := len(pendingList) - 1; i >= 0; i-- {
			if pendingList[i].id == id {
				return pendingList[i].version, true
			}
		}
		return 0, false
	}
	// belongs checks that a claim, audit or event's demand exists or is written by c (ids of
	// demands, providers and boards never collide: they come from one uuid source).
	belongs := func(kind string, demandID uuid.UUID) error {
		if _, ok := s.demands[demandID]; ok {
			return nil
		}
		if _, ok := lookup(demandID); ok {
			return nil
		}
		return fmt.Errorf("memstore apply: %s of unknown demand %s: %w", kind, demandID, catalog.ErrNotFound)
	}
	version := func(kind string, id uuid.UUID, written uint64, stored uint64, exists bool) error {
		if v, ok := lookup(id); ok {
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
		if pendingMap != nil {
			pendingMap[id] = written
		} else {
			pendingList = append(pendingList, pendingVersion{id, written})
		}
		return nil
	}
	for _, d := range c.Demands {
		var stored uint64
		old, ok := s.demands[d.ID]
		if ok {
			stored = old.d.Version
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
	var seen map[eventKey]bool
	if len(c.Events) > 1 {
		seen = make(map[eventKey]bool, len(c.Events))
	}
	for _, e := range c.Events {
		k := eventKey{e.DemandID, e.Seq}
		if err := belongs("event", e.DemandID); err != nil {
			return err
		}
		var evs []catalog.Event
		if r := s.demands[e.DemandID]; r != nil {
			evs = r.events
		}
		i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq >= e.Seq })
		if seen[k] || (i < len(evs) && evs[i].Seq == e.Seq) {
			return fmt.Errorf("memstore apply: event %s #%d exists: %w", e.DemandID, e.Seq, catalog.ErrVersionConflict)
		}
		if seen != nil {
			seen[k] = true
		}
	}
	for _, cl := range c.Claims {
		if err := belongs("claim", cl.DemandID); err != nil {
			return err
		}
	}
	for _, a := range c.Audits {
		if err := belongs("audit", a.DemandID); err != nil {
			return err
		}
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
	byCategory := s.byStatusCommunity[ck]
	if byCategory == nil {
		byCategory = make(map[string]*idSet)
		s.byStatusCommunity[ck] = byCategory
	}
	cs := byCategory[d.Category]
	if cs == nil {
		cs = &idSet{}
		byCategory[d.Category] = cs
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
	if rec, ok := s.demands[d.ID]; ok {
		old := &rec.d
		if old.Status == d.Status && old.BoardID == d.BoardID && old.Category == d.Category &&
			old.Location.Grid.Community() == d.Location.Grid.Community() {
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
	r := new(demandRec) // not &d: that would move every d, updates included, to the heap
	r.d = d
	p := &r.d
	s.demands[d.ID] = r
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
		k := skillCommunity{sk, p.Home.Community()}
		x := s.providersBySkillHome[k]
		if x == nil {
			x = &idSet{}
			s.providersBySkillHome[k] = x
		}
		if add {
			x.insert(p.ID)
		} else {
			x.remove(p.ID)
		}
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
	ptr := new(catalog.Provider)
	*ptr = p
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
	r := s.demands[cl.DemandID]
	r.claims = upsertByProvider(r.claims, cl, func(x catalog.Claim) uuid.UUID { return x.ProviderID })
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
func (s *Store) Demand(ctx context.Context, id uuid.UUID) (catalog.Demand, error) {
	if err := ctx.Err(); err != nil {
		return catalog.Demand{}, fmt.Errorf("memstore demand: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return catalog.Demand{}, errClosed("demand")
	}
	r, ok := s.demands[id]
	if !ok {
		return catalog.Demand{}, fmt.Errorf("memstore: demand %s: %w", id, catalog.ErrNotFound)
	}
	return r.d.Clone(), nil
}

func checkLimit(op string, limit int) error {
	if limit < 1 || limit > catalog.PageSizeMax {
		return fmt.Errorf("memstore %s: limit %d, want 1..%d: %w", op, limit, catalog.PageSizeMax, catalog.ErrInvalid)
	}
	return nil
}

// Demands implements catalog.Store. It walks the narrowest index the query allows: the board,
// else the community (and the categories, if given), else the status, for each wanted status,
// merged in id order.
func (s *Store) Demands(ctx context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore demands: %w", err)
	}
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
	add := func(set *idSet) {
		if set != nil {
			sets = append(sets, set)
		}
	}
	for _, st := range statuses {
		switch {
		case q.BoardID != uuid.Nil:
			add(s.byStatusBoard[boardKey{st, q.BoardID}])
		case q.Grid.Depth() >= catalog.LevelCommunity:
			byCategory := s.byStatusCommunity[communityKey{st, q.Grid.Community()}]
			if len(q.Categories) == 0 {
				for _, set := range byCategory {
					add(set)
				}
				break
			}
			for i, c := range q.Categories {
				if !slices.Contains(q.Categories[:i], c) { // a repeated category would repeat ids
					add(byCategory[c])
				}
			}
		default:
			add(s.byStatus[st])
		}
	}
	out := make([]catalog.Demand, 0, min(q.Limit, 64))
	merged(sets, q.After, func(id uuid.UUID) bool {
		out = append(out, s.demands[id].d) // copied once; dropped again if it does not match
		if d := &out[len(out)-1]; q.Matches(*d) {
			*d = d.Clone()
		} else {
			out = out[:len(out)-1]
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Provider implements catalog.Store.
func (s *Store) Provider(ctx context.Context, id uuid.UUID) (catalog.Provider, error) {
	if err := ctx.Err(); err != nil {
		return catalog.Provider{}, fmt.Errorf("memstore provider: %w", err)
	}
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
func (s *Store) Providers(ctx context.Context, q catalog.ProviderQuery) ([]catalog.Provider, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore providers: %w", err)
	}
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
	case q.Skill != "" && q.Grid.Depth() >= catalog.LevelCommunity:
		set = s.providersBySkillHome[skillCommunity{q.Skill, q.Grid.Community()}]
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
func (s *Store) Board(ctx context.Context, id uuid.UUID) (catalog.Board, error) {
	if err := ctx.Err(); err != nil {
		return catalog.Board{}, fmt.Errorf("memstore board: %w", err)
	}
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
func (s *Store) Boards(ctx context.Context, q catalog.BoardQuery) ([]catalog.Board, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore boards: %w", err)
	}
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

// BoardDemandCount implements catalog.Store from the (status, board) index: one lookup per
// status, whatever the board holds.
func (s *Store) BoardDemandCount(ctx context.Context, boardID uuid.UUID, statuses catalog.StatusSet) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore boardDemandCount: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, errClosed("board demand count")
	}
	if statuses == 0 {
		statuses = catalog.StatusSet(^uint16(0))
	}
	n := 0
	for _, st := range statuses.Slice() {
		if set := s.byStatusBoard[boardKey{st, boardID}]; set != nil {
			n += set.n
		}
	}
	return n, nil
}

// Claims implements catalog.Store.
func (s *Store) Claims(ctx context.Context, demandID uuid.UUID) ([]catalog.Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore claims: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("claims")
	}
	if r := s.demands[demandID]; r != nil {
		return append([]catalog.Claim{}, r.claims...), nil
	}
	return []catalog.Claim{}, nil
}

// ProviderClaims implements catalog.Store.
func (s *Store) ProviderClaims(ctx context.Context, providerID uuid.UUID, q catalog.ClaimQuery) ([]catalog.Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore providerClaims: %w", err)
	}
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
		for _, cl := range s.demands[demandID].claims {
			if cl.ProviderID == providerID && (!q.ActiveOnly || cl.State == catalog.ClaimActive) {
				out = append(out, cl)
			}
		}
		return len(out) < q.Limit
	})
	return out, nil
}

// Audits implements catalog.Store.
func (s *Store) Audits(ctx context.Context, demandID uuid.UUID) ([]catalog.Audit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore audits: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("audits")
	}
	if r := s.demands[demandID]; r != nil {
		return append([]catalog.Audit{}, r.audits...), nil
	}
	return []catalog.Audit{}, nil
}

// Events implements catalog.Store.
func (s *Store) Events(ctx context.Context, demandID uuid.UUID, afterSeq uint64, limit int) ([]catalog.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore events: %w", err)
	}
	if err := checkLimit("events", limit); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("events")
	}
	var evs []catalog.Event
	if r := s.demands[demandID]; r != nil {
		evs = r.events
	}
	i := sort.Search(len(evs), func(i int) bool { return evs[i].Seq > afterSeq })
	evs = evs[i:]
	if len(evs) > limit {
		evs = evs[:limit]
	}
	return append([]catalog.Event{}, evs...), nil
}
