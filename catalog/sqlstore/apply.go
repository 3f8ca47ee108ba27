package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// InsertRowsMax is the most rows one multi-row INSERT carries; the dialect's parameter limit
// may lower it (SQLite statements stay small, see dialect.paramsMax).
const InsertRowsMax = 1000

// Tag kinds in catalog_provider_tags.
const (
	tagSkill    = 1
	tagFunction = 2
)

// table describes one table's insert: its columns and, for upserts, the conflict clause.
type table struct {
	name   string
	cols   []string
	suffix string // appended after VALUES …, e.g. an ON CONFLICT clause
}

var (
	demandTable = table{name: "catalog_demands", cols: []string{
		"id", "version", "status", "kind", "category", "grid", "community", "board_id", "priority", "deadline", "record"}}
	providerTable = table{name: "catalog_providers", cols: []string{
		"id", "version", "kind", "home", "community", "capacity", "active", "avail0", "avail1", "avail2", "tags", "record"}}
	tagTable   = table{name: "catalog_provider_tags", cols: []string{"kind", "tag", "provider_id"}}
	boardTable = table{name: "catalog_boards", cols: []string{
		"id", "version", "scope", "closed", "opens_at", "closes_at", "record"}}
	eventTable = table{name: "catalog_events", cols: []string{"demand_id", "seq", "record"}}
	claimTable = table{name: "catalog_claims", cols: []string{"demand_id", "provider_id", "state", "record"},
		suffix: " ON CONFLICT (demand_id, provider_id) DO UPDATE SET state = excluded.state, record = excluded.record"}
	auditTable = table{name: "catalog_audits", cols: []string{"demand_id", "provider_id", "record"},
		suffix: " ON CONFLICT (demand_id, provider_id) DO UPDATE SET record = excluded.record"}
	insertTables = []table{demandTable, providerTable, tagTable, boardTable, eventTable, claimTable, auditTable}
)

// batchRows is how many rows of t one INSERT statement carries.
func (d *dialect) batchRows(t table) int {
	return max(1, min(InsertRowsMax, d.paramsMax/len(t.cols)))
}

type insertKey struct {
	d    *dialect
	name string
	n    int
}

// insertCache holds generated INSERT statements by table and row count, so each is built once.
var insertCache sync.Map // insertKey -> string

// insertSQL is the INSERT of n rows into t.
func (d *dialect) insertSQL(t table, n int) string {
	k := insertKey{d, t.name, n}
	if q, ok := insertCache.Load(k); ok {
		return q.(string)
	}
	group := "(" + strings.Repeat("?, ", len(t.cols)-1) + "?)"
	q := d.Rebind("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
		strings.Repeat(group+", ", n-1) + group + t.suffix)
	insertCache.Store(k, q)
	return q
}

// row is one record ready to write: its key, its version and its column values in the
// table's column order.
type row struct {
	id      uuid.UUID
	id2     uuid.UUID // claims and audits: the provider; tags: unused
	version uint64
	vals    []any
	tags    [][2]any // providers: (kind, tag) pairs for catalog_provider_tags
}

// encoded is a Change turned into rows, checked and sorted, before any SQL runs.
type encoded struct {
	demands, providers, boards []row // stable-sorted by id: locks are taken in id order
	events                     []row // sorted by (demand, seq)
	claims, audits             []row // one per (demand, provider), the last written; sorted
}

func encodeChange(c *catalog.Change) (*encoded, error) {
	e := &encoded{
		demands:   make([]row, 0, len(c.Demands)),
		providers: make([]row, 0, len(c.Providers)),
		boards:    make([]row, 0, len(c.Boards)),
		events:    make([]row, 0, len(c.Events)),
	}
	for i := range c.Demands {
		d := &c.Demands[i]
		rec, err := encodeDemand(d)
		if err != nil {
			return nil, err
		}
		var deadline any
		if !d.Deadline.IsZero() {
			deadline = column(d.Deadline)
		}
		e.demands = append(e.demands, row{id: d.ID, version: d.Version, vals: []any{
			d.ID[:], int64(d.Version), int(d.Status), int(d.Kind), d.Category, string(d.Location.Grid),
			string(d.Location.Grid.Community()), nullID(d.BoardID), int(d.Priority), deadline, rec}})
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		rec, err := encodeProvider(p)
		if err != nil {
			return nil, err
		}
		tags, tagText := providerTags(p)
		e.providers = append(e.providers, row{id: p.ID, version: p.Version, tags: tags, vals: []any{
			p.ID[:], int64(p.Version), int(p.Kind), string(p.Home), string(p.Home.Community()), p.Capacity, p.Active,
			int64(p.Availability[0]), int64(p.Availability[1]), int64(p.Availability[2]), tagText, rec}})
	}
	for i := range c.Boards {
		b := &c.Boards[i]
		rec, err := encodeBoard(b)
		if err != nil {
			return nil, err
		}
		e.boards = append(e.boards, row{id: b.ID, version: b.Version, vals: []any{
			b.ID[:], int64(b.Version), string(b.Scope), b.Closed, column(b.OpensAt), column(b.ClosesAt), rec}})
	}
	for i := range c.Events {
		ev := &c.Events[i]
		rec, err := encodeEvent(ev)
		if err != nil {
			return nil, err
		}
		e.events = append(e.events, row{id: ev.DemandID, version: ev.Seq, vals: []any{ev.DemandID[:], int64(ev.Seq), rec}})
	}
	claims := make(map[[2]uuid.UUID]row, len(c.Claims))
	for i := range c.Claims {
		cl := &c.Claims[i]
		rec, err := encodeClaim(cl)
		if err != nil {
			return nil, err
		}
		claims[[2]uuid.UUID{cl.DemandID, cl.ProviderID}] = row{id: cl.DemandID, id2: cl.ProviderID,
			vals: []any{cl.DemandID[:], cl.ProviderID[:], int(cl.State), rec}}
	}
	audits := make(map[[2]uuid.UUID]row, len(c.Audits))
	for i := range c.Audits {
		a := &c.Audits[i]
		rec, err := encodeAudit(a)
		if err != nil {
			return nil, err
		}
		audits[[2]uuid.UUID{a.DemandID, a.ProviderID}] = row{id: a.DemandID, id2: a.ProviderID,
			vals: []any{a.DemandID[:], a.ProviderID[:], rec}}
	}
	byID := func(a, b row) int { return bytes.Compare(a.id[:], b.id[:]) }
	slices.SortStableFunc(e.demands, byID)
	slices.SortStableFunc(e.providers, byID)
	slices.SortStableFunc(e.boards, byID)
	slices.SortStableFunc(e.events, func(a, b row) int {
		if c := byID(a, b); c != 0 {
			return c
		}
		return cmpUint(a.version, b.version)
	})
	byPair := func(a, b row) int {
		if c := byID(a, b); c != 0 {
			return c
		}
		return bytes.Compare(a.id2[:], b.id2[:])
	}
	e.claims = sortedRows(claims, byPair)
	e.audits = sortedRows(audits, byPair)
	return e, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortedRows(m map[[2]uuid.UUID]row, cmp func(a, b row) int) []row {
	out := make([]row, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, cmp)
	return out
}

// providerTags lists p's skills and functions once each, and the text kept in the tags column
// to tell whether an update changes them.
func providerTags(p *catalog.Provider) ([][2]any, string) {
	seen := make(map[[2]string]bool, len(p.Skills)+len(p.Functions))
	var tags [][2]any
	var text strings.Builder
	add := func(kind int, prefix, tag string) {
		k := [2]string{prefix, tag}
		if seen[k] {
			return
		}
		seen[k] = true
		tags = append(tags, [2]any{kind, tag})
		text.WriteString(prefix)
		text.WriteString(tag)
		text.WriteByte('\n')
	}
	for _, s := range p.Skills {
		add(tagSkill, "s:", string(s))
	}
	for _, f := range p.Functions {
		add(tagFunction, "f:", string(f))
	}
	return tags, text.String()
}

// Apply implements catalog.Store: one transaction that inserts every record written with
// Version 1, updates every other with UPDATE … WHERE id = ? AND version = ? (checking that one
// row changed), inserts the events and upserts the claims and audits. Rows are locked in a
// fixed order (demands, providers, boards, each by id) so concurrent writers do not deadlock.
//
// Errors: catalog.ErrInvalid (more than catalog.ChangeRecordsMax records, a version or event
// number of 0 or above the database's range, text that is not UTF-8 or holds NUL, coordinates
// that are not numbers, a time beyond int64 microseconds), catalog.ErrVersionConflict, catalog.ErrAlreadyExists,
// catalog.ErrNotFound (an update of a missing record; a claim, audit or event of a missing
// demand), catalog.ErrClosed, ctx's error, or the database's error wrapped.
func (s *Store) Apply(ctx context.Context, c catalog.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := c.Records(); n > catalog.ChangeRecordsMax {
		return invalid("apply: %d records, max %d", n, catalog.ChangeRecordsMax)
	}
	if s.closed.Load() {
		return errClosed("apply")
	}
	if c.Records() == 0 {
		return nil
	}
	e, err := encodeChange(&c)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	return s.update(ctx, "apply", func(w queryer) error { return s.apply(ctx, w, e) })
}

func (s *Store) apply(ctx context.Context, w queryer, e *encoded) error {
	if err := s.writeVersioned(ctx, w, "demand", demandTable, e.demands, s.q.updateDemand, s.q.demandVersion, nil); err != nil {
		return err
	}
	if err := s.writeVersioned(ctx, w, "provider", providerTable, e.providers, "", s.q.providerVersion, s.updateProvider); err != nil {
		return err
	}
	if err := s.writeVersioned(ctx, w, "board", boardTable, e.boards, s.q.updateBoard, s.q.boardVersion, nil); err != nil {
		return err
	}
	if err := s.insertRows(ctx, w, eventTable, e.events, func(err error, r row, n int) error {
		return s.insertErr(err, catalog.ErrVersionConflict, "insert event", r, n, "exists")
	}); err != nil {
		return err
	}
	if err := s.insertRows(ctx, w, claimTable, e.claims, func(err error, r row, n int) error {
		return s.insertErr(err, nil, "upsert claim", r, n, "")
	}); err != nil {
		return err
	}
	return s.insertRows(ctx, w, auditTable, e.audits, func(err error, r row, n int) error {
		return s.insertErr(err, nil, "upsert audit", r, n, "")
	})
}

// insertErr classifies an insert's error: a unique violation is onUnique, a foreign-key
// violation a missing demand (catalog.ErrNotFound). r is the first of the n rows written.
func (s *Store) insertErr(err, onUnique error, op string, r row, n int, uniqueWhat string) error {
	what := fmt.Sprintf("%s %s", op, r.id)
	if r.version != 0 && r.id2 == uuid.Nil {
		what = fmt.Sprintf("%s %s #%d", op, r.id, r.version)
	}
	if n > 1 {
		what = fmt.Sprintf("%s (%d rows from %s)", op, n, r.id)
	}
	switch s.d.constraint(err) {
	case constraintUnique:
		if onUnique != nil {
			return fmt.Errorf("sqlstore apply: %s: %s: %w", what, uniqueWhat, onUnique)
		}
	case constraintForeignKey:
		return fmt.Errorf("sqlstore apply: %s: unknown demand: %w", what, catalog.ErrNotFound)
	}
	return fmt.Errorf("sqlstore apply: %s: %w", what, err)
}

// insertRows inserts rows in batches; onErr classifies a failed batch.
func (s *Store) insertRows(ctx context.Context, w queryer, t table, rows []row, onErr func(err error, first row, n int) error) error {
	per := s.d.batchRows(t)
	args := make([]any, 0, min(len(rows), per)*len(t.cols))
	for start := 0; start < len(rows); start += per {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.vals...)
		}
		if _, err := w.exec(ctx, s.d.insertSQL(t, len(chunk)), args...); err != nil {
			return onErr(err, chunk[0], len(chunk))
		}
	}
	return nil
}

// writeVersioned writes the versioned records of one table in order: runs of inserts
// (Version 1) in batches, each update on its own with its version check. update is the UPDATE
// statement (SET every non-key column, WHERE id = ? AND version = ?), or custom writes one
// update itself.
func (s *Store) writeVersioned(ctx context.Context, w queryer, kind string, t table, rows []row,
	update, version string, custom func(ctx context.Context, w queryer, r row) (bool, error)) error {
	var pending []row
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := s.insertRows(ctx, w, t, pending, func(err error, r row, n int) error {
			return s.insertErr(err, catalog.ErrAlreadyExists, "insert "+kind, r, n, "exists")
		})
		if err != nil {
			return err
		}
		if kind == "provider" {
			if err := s.insertTags(ctx, w, pending); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	for i, r := range rows {
		if r.version == 1 {
			if pending == nil {
				pending = make([]row, 0, len(rows)-i)
			}
			pending = append(pending, r)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		var changed bool
		var err error
		if custom != nil {
			changed, err = custom(ctx, w, r)
		} else {
			args := make([]any, 0, len(r.vals)+1)
			args = append(args, r.vals[1:]...) // version and every column after the id
			args = append(args, r.id[:], int64(r.version-1))
			changed, err = execOne(ctx, w, update, args...)
		}
		if err != nil {
			return fmt.Errorf("sqlstore apply: update %s %s: %w", kind, r.id, err)
		}
		if !changed {
			return s.versionErr(ctx, w, kind, version, r)
		}
	}
	return flush()
}

// execOne runs an UPDATE and reports whether it changed a row.
func execOne(ctx context.Context, w queryer, query string, args ...any) (bool, error) {
	res, err := w.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// versionErr explains an update that changed no row: the record is missing, or its stored
// version is not the one the update expected.
func (s *Store) versionErr(ctx context.Context, w queryer, kind, query string, r row) error {
	var stored int64
	err := w.queryRow(ctx, query, r.id[:]).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore apply: %s %s: %w", kind, r.id, catalog.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlstore apply: %s %s version: %w", kind, r.id, err)
	}
	return fmt.Errorf("sqlstore apply: %s %s stored version %d, written %d: %w", kind, r.id, stored, r.version, catalog.ErrVersionConflict)
}

// updateProvider updates a provider, first assuming its skills and functions are unchanged
// (the common case: a claim changes Active), so the tag rows are rewritten only when they
// change.
func (s *Store) updateProvider(ctx context.Context, w queryer, r row) (bool, error) {
	// vals: id, version, kind, home, community, capacity, active, avail0, avail1, avail2, tags, record
	args := make([]any, 0, 13)
	args = append(args, r.vals[1:10]...)
	args = append(args, r.vals[11], r.id[:], int64(r.version-1), r.vals[10])
	changed, err := execOne(ctx, w, s.q.updateProviderSameTags, args...)
	if err != nil || changed {
		return changed, err
	}
	args = append(args[:0], r.vals[1:]...)
	args = append(args, r.id[:], int64(r.version-1))
	if changed, err = execOne(ctx, w, s.q.updateProvider, args...); err != nil || !changed {
		return changed, err
	}
	return true, s.writeTags(ctx, w, r)
}

// writeTags replaces a provider's tag rows.
func (s *Store) writeTags(ctx context.Context, w queryer, r row) error {
	if _, err := w.exec(ctx, s.q.deleteTags, r.id[:]); err != nil {
		return fmt.Errorf("sqlstore apply: provider %s tags: %w", r.id, err)
	}
	return s.insertTags(ctx, w, []row{r})
}

// insertTags inserts the tag rows of providers, in batches across providers.
func (s *Store) insertTags(ctx context.Context, w queryer, providers []row) error {
	n := 0
	for _, p := range providers {
		n += len(p.tags)
	}
	if n == 0 {
		return nil
	}
	rows := make([]row, 0, n)
	for _, p := range providers {
		for _, t := range p.tags {
			rows = append(rows, row{id: p.id, vals: []any{t[0], t[1], p.id[:]}})
		}
	}
	return s.insertRows(ctx, w, tagTable, rows, func(err error, r row, _ int) error {
		return fmt.Errorf("sqlstore apply: provider %s tags: %w", r.id, err)
	})
}
