package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/tongxin/tongxin/catalog"
)

// queries are the fixed statements, placeholders already in the dialect's form.
type queries struct {
	demand, provider, board                      string
	demandVersion, providerVersion, boardVersion string
	updateDemand, updateBoard                    string
	updateProvider, updateProviderSameTags       string
	deleteTags                                   string
	claims, audits, events                       string
	// providerClaims[activeOnly][cursor]
	providerClaims [2][2]string
	d              *dialect
}

func buildQueries(d *dialect) queries {
	r := d.Rebind
	q := queries{
		d:               d,
		demand:          r(`SELECT version, record FROM catalog_demands WHERE id = ?`),
		provider:        r(`SELECT version, record FROM catalog_providers WHERE id = ?`),
		board:           r(`SELECT version, record FROM catalog_boards WHERE id = ?`),
		demandVersion:   r(`SELECT version FROM catalog_demands WHERE id = ?`),
		providerVersion: r(`SELECT version FROM catalog_providers WHERE id = ?`),
		boardVersion:    r(`SELECT version FROM catalog_boards WHERE id = ?`),
		updateDemand: r(`UPDATE catalog_demands SET version = ?, status = ?, kind = ?, category = ?, grid = ?,
 community = ?, board_id = ?, priority = ?, deadline = ?, record = ? WHERE id = ? AND version = ?`),
		updateBoard: r(`UPDATE catalog_boards SET version = ?, scope = ?, closed = ?, opens_at = ?, closes_at = ?,
 record = ? WHERE id = ? AND version = ?`),
		updateProvider: r(`UPDATE catalog_providers SET version = ?, kind = ?, home = ?, community = ?, capacity = ?,
 active = ?, avail0 = ?, avail1 = ?, avail2 = ?, tags = ?, record = ? WHERE id = ? AND version = ?`),
		updateProviderSameTags: r(`UPDATE catalog_providers SET version = ?, kind = ?, home = ?, community = ?, capacity = ?,
 active = ?, avail0 = ?, avail1 = ?, avail2 = ?, record = ? WHERE id = ? AND version = ? AND tags = ?`),
		deleteTags: r(`DELETE FROM catalog_provider_tags WHERE provider_id = ?`),
		// One more than a demand may have, to notice a demand that has more.
		claims: r(fmt.Sprintf(`SELECT record FROM catalog_claims WHERE demand_id = ? ORDER BY provider_id LIMIT %d`, catalog.ClaimsPerDemandMax+1)),
		audits: r(fmt.Sprintf(`SELECT record FROM catalog_audits WHERE demand_id = ? ORDER BY provider_id LIMIT %d`, catalog.ClaimsPerDemandMax+1)),
		events: r(`SELECT record FROM catalog_events WHERE demand_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
	}
	for active := range 2 {
		for cursor := range 2 {
			text := `SELECT record FROM catalog_claims WHERE provider_id = ?`
			if active == 1 {
				text += ` AND state = ` + fmt.Sprint(int(catalog.ClaimActive))
			}
			if cursor == 1 {
				text += ` AND demand_id > ?`
			}
			q.providerClaims[active][cursor] = r(text + ` ORDER BY demand_id LIMIT ?`)
		}
	}
	return q
}

// writes are the fixed statements of Apply, prepared once on SQLite.
func (q queries) writes() []string {
	out := []string{q.demandVersion, q.providerVersion, q.boardVersion, q.updateDemand, q.updateBoard,
		q.updateProvider, q.updateProviderSameTags, q.deleteTags}
	for _, t := range insertTables {
		out = append(out, q.d.insertSQL(t, 1), q.d.insertSQL(t, q.d.batchRows(t)))
	}
	return out
}

// reads are the fixed read statements, prepared once on SQLite.
func (q queries) reads() []string {
	out := []string{q.demand, q.provider, q.board, q.claims, q.audits, q.events}
	for _, pc := range q.providerClaims {
		out = append(out, pc[:]...)
	}
	return out
}

func notFound(what string, id uuid.UUID) error {
	return fmt.Errorf("sqlstore: %s %s: %w", what, id, catalog.ErrNotFound)
}

func checkLimit(op string, limit int) error {
	if limit < 1 || limit > catalog.PageSizeMax {
		return invalid("%s: limit %d, want 1..%d", op, limit, catalog.PageSizeMax)
	}
	return nil
}

// one reads a single record's version and JSON by id.
func (s *Store) one(ctx context.Context, what, query string, id uuid.UUID) (int64, []byte, error) {
	if s.closed.Load() {
		return 0, nil, errClosed(what)
	}
	var version int64
	var rec []byte
	err := s.reader().queryRow(ctx, query, id[:]).Scan(&version, &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, notFound(what, id)
	}
	if err != nil {
		return 0, nil, s.closedErr(ctx, what, fmt.Errorf("sqlstore: read %s %s: %w", what, id, err))
	}
	return version, rec, nil
}

// Demand implements catalog.Store.
//
// Errors: catalog.ErrNotFound, catalog.ErrClosed, catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Demand(ctx context.Context, id uuid.UUID) (catalog.Demand, error) {
	return versioned(ctx, s, "demand", s.q.demand, id, decodeDemand, func(d catalog.Demand) (uuid.UUID, uint64) { return d.ID, d.Version })
}

// Provider implements catalog.Store.
//
// Errors: catalog.ErrNotFound, catalog.ErrClosed, catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Provider(ctx context.Context, id uuid.UUID) (catalog.Provider, error) {
	return versioned(ctx, s, "provider", s.q.provider, id, decodeProvider, func(p catalog.Provider) (uuid.UUID, uint64) { return p.ID, p.Version })
}

// Board implements catalog.Store.
//
// Errors: catalog.ErrNotFound, catalog.ErrClosed, catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Board(ctx context.Context, id uuid.UUID) (catalog.Board, error) {
	return versioned(ctx, s, "board", s.q.board, id, decodeBoard, func(b catalog.Board) (uuid.UUID, uint64) { return b.ID, b.Version })
}

// versioned reads one versioned record and checks it against its row: a record whose id or
// version disagrees with the row's columns was not written by this store (catalog.ErrCorrupt).
func versioned[T any](ctx context.Context, s *Store, what, query string, id uuid.UUID,
	decode func([]byte) (T, error), key func(T) (uuid.UUID, uint64)) (T, error) {
	var zero T
	version, rec, err := s.one(ctx, what, query, id)
	if err != nil {
		return zero, err
	}
	v, err := decode(rec)
	if err != nil {
		return zero, err
	}
	if gotID, gotVersion := key(v); gotID != id || int64(gotVersion) != version {
		return zero, corrupt("%s %s: record of %s version %d in a row of version %d", what, id, gotID, gotVersion, version)
	}
	return v, nil
}

// where accumulates the conditions and arguments of a generated query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ?, …)".
func (w *where) in(col string, vals []any) {
	w.add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")", vals...)
}

// subtree adds the condition that col lies in the grid subtree at g: col is g, or starts with
// g + "/". In byte order the strings starting with g + "/" are exactly those from g + "/" up
// to g + "0" ('0' follows '/'), so this is an index range, and '%' or '_' in a grid name mean
// nothing special.
func (w *where) subtree(col string, g catalog.GridPath) {
	w.add("("+col+" = ? OR ("+col+" >= ? AND "+col+" < ?))", string(g), string(g)+"/", string(g)+"0")
}

func (w *where) sql(d *dialect, selectFrom, order string, after uuid.UUID, limit int) string {
	if after != uuid.Nil {
		w.add("id > ?", after[:])
	}
	var b strings.Builder
	b.WriteString(selectFrom)
	for i, c := range w.conds {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString(c)
	}
	b.WriteString(" ORDER BY " + order + " LIMIT ?")
	w.args = append(w.args, limit)
	return d.Rebind(b.String())
}

// priorityValues lists every priority flag set that has all the flags of want: "has these
// flags" as an IN list that an index answers.
func priorityValues(want catalog.Priority) []any {
	var out []any
	for v := 0; v <= math.MaxUint8; v++ {
		if p := catalog.Priority(v); p.Valid() && p.Has(want) {
			out = append(out, v)
		}
	}
	return out
}

// Demands implements catalog.Store.
//
// Errors: catalog.ErrInvalid (limit outside 1..catalog.PageSizeMax, more than
// catalog.QueryCategoriesMax categories), catalog.ErrClosed, catalog.ErrCorrupt, or the database's
// error wrapped.
func (s *Store) Demands(ctx context.Context, q catalog.DemandQuery) ([]catalog.Demand, error) {
	if err := checkLimit("demands", q.Limit); err != nil {
		return nil, err
	}
	if len(q.Categories) > catalog.QueryCategoriesMax {
		return nil, invalid("demands: %d categories, max %d", len(q.Categories), catalog.QueryCategoriesMax)
	}
	if s.closed.Load() {
		return nil, errClosed("demands")
	}
	// A grid that is not storable text has no stored grid in its subtree: every grid that
	// starts with it followed by '/' holds its NUL or bad bytes too.
	if !storable(string(q.Grid)) {
		return []catalog.Demand{}, nil
	}
	var w where
	if q.Statuses != 0 {
		statuses := q.Statuses.Slice()
		if len(statuses) == 0 {
			return []catalog.Demand{}, nil // only bits that are no status: nothing matches
		}
		vals := make([]any, len(statuses))
		for i, st := range statuses {
			vals[i] = int(st)
		}
		w.in("status", vals)
	}
	if q.BoardID != uuid.Nil {
		w.add("board_id = ?", q.BoardID[:])
	}
	if q.Grid != "" {
		// The community column is the grid path cut to its community, so a street's subtree is
		// the same range on either column, and a deeper one lies in one community.
		switch depth := q.Grid.Depth(); {
		case depth < catalog.LevelCommunity:
			w.subtree("community", q.Grid)
		case depth == catalog.LevelCommunity:
			w.add("community = ?", string(q.Grid))
		default:
			w.add("community = ?", string(q.Grid.Community()))
			w.subtree("grid", q.Grid)
		}
	}
	if len(q.Categories) > 0 {
		cats := slices.Clone(q.Categories)
		slices.Sort(cats)
		cats = slices.Compact(cats)
		vals := make([]any, 0, len(cats))
		for _, c := range cats {
			if storable(c) { // no stored category is anything else
				vals = append(vals, c)
			}
		}
		if len(vals) == 0 {
			return []catalog.Demand{}, nil
		}
		w.in("category", vals)
	}
	if q.Kind != 0 {
		w.add("kind = ?", int(q.Kind))
	}
	if q.Priority != 0 {
		vals := priorityValues(q.Priority)
		if len(vals) == 0 {
			return []catalog.Demand{}, nil // a flag that no demand can have
		}
		w.in("priority", vals)
	}
	if !q.DeadlineBefore.IsZero() {
		w.add("deadline <= ?", column(q.DeadlineBefore))
	}
	query := w.sql(s.d, "SELECT version, record FROM catalog_demands", "id", q.After, q.Limit)
	out := make([]catalog.Demand, 0, min(q.Limit, 64))
	err := s.list(ctx, "demands", query, w.args, func(version int64, rec []byte) error {
		d, err := decodeDemand(rec)
		if err != nil {
			return err
		}
		if int64(d.Version) != version || !q.Matches(d) || !after(d.ID, q.After) {
			return corrupt("demands: row %s version %d does not match the query", d.ID, version)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// after reports whether id follows the cursor.
func after(id, cursor uuid.UUID) bool {
	return cursor == uuid.Nil || strings.Compare(string(id[:]), string(cursor[:])) > 0
}

// list runs a query of (version, record) rows, calling fn for each.
func (s *Store) list(ctx context.Context, op, query string, args []any, fn func(version int64, rec []byte) error) error {
	rows, err := s.reader().queryText(ctx, query, args...)
	if err != nil {
		return s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
	}
	defer rows.Close()
	for rows.Next() {
		var version int64
		var rec []byte
		if err := rows.Scan(&version, &rec); err != nil {
			return s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
		}
		if err := fn(version, rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
	}
	return nil
}

// Providers implements catalog.Store.
//
// Errors: catalog.ErrInvalid (limit outside 1..catalog.PageSizeMax), catalog.ErrClosed,
// catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Providers(ctx context.Context, q catalog.ProviderQuery) ([]catalog.Provider, error) {
	if err := checkLimit("providers", q.Limit); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, errClosed("providers")
	}
	if !storable(string(q.Skill)) || !storable(string(q.Function)) || !storable(string(q.Grid)) {
		return []catalog.Provider{}, nil // matches no stored tag or grid (see Demands)
	}
	var w where
	if q.Kind != 0 {
		w.add("kind = ?", int(q.Kind))
	}
	if q.Skill != "" {
		w.add("id IN (SELECT provider_id FROM catalog_provider_tags WHERE kind = ? AND tag = ?)", tagSkill, string(q.Skill))
	}
	if q.Function != "" {
		w.add("id IN (SELECT provider_id FROM catalog_provider_tags WHERE kind = ? AND tag = ?)", tagFunction, string(q.Function))
	}
	if q.Grid != "" {
		switch depth := q.Grid.Depth(); {
		case depth < catalog.LevelCommunity:
			w.subtree("community", q.Grid)
		case depth == catalog.LevelCommunity:
			w.add("community = ?", string(q.Grid))
		default:
			w.add("community = ?", string(q.Grid.Community()))
			w.subtree("home", q.Grid)
		}
	}
	if !q.Available.IsZero() && !q.Available.Start.IsZero() && !q.Available.End.IsZero() {
		// A provider that stated no hours is available at any time.
		m := q.Available.HourSlots()
		w.add("((avail0 = 0 AND avail1 = 0 AND avail2 = 0) OR (avail0 & ?) <> 0 OR (avail1 & ?) <> 0 OR (avail2 & ?) <> 0)",
			int64(m[0]), int64(m[1]), int64(m[2]))
	}
	if q.HasCapacity {
		w.add("active < capacity")
	}
	query := w.sql(s.d, "SELECT version, record FROM catalog_providers", "id", q.After, q.Limit)
	out := make([]catalog.Provider, 0, min(q.Limit, 64))
	err := s.list(ctx, "providers", query, w.args, func(version int64, rec []byte) error {
		p, err := decodeProvider(rec)
		if err != nil {
			return err
		}
		if int64(p.Version) != version || !q.Matches(p) || !after(p.ID, q.After) {
			return corrupt("providers: row %s version %d does not match the query", p.ID, version)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// Boards implements catalog.Store.
//
// Errors: catalog.ErrInvalid (limit outside 1..catalog.PageSizeMax), catalog.ErrClosed,
// catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Boards(ctx context.Context, q catalog.BoardQuery) ([]catalog.Board, error) {
	if err := checkLimit("boards", q.Limit); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, errClosed("boards")
	}
	if !storable(string(q.Scope)) {
		return []catalog.Board{}, nil // matches no stored scope (see Demands)
	}
	var w where
	if q.Scope != "" {
		w.subtree("scope", q.Scope)
	}
	if !q.OpenAt.IsZero() {
		at := column(q.OpenAt)
		w.add("closed = ? AND opens_at <= ? AND closes_at > ?", false, at, at)
	}
	query := w.sql(s.d, "SELECT version, record FROM catalog_boards", "id", q.After, q.Limit)
	out := make([]catalog.Board, 0, min(q.Limit, 64))
	err := s.list(ctx, "boards", query, w.args, func(version int64, rec []byte) error {
		b, err := decodeBoard(rec)
		if err != nil {
			return err
		}
		if int64(b.Version) != version || !q.Matches(b) || !after(b.ID, q.After) {
			return corrupt("boards: row %s version %d does not match the query", b.ID, version)
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

// BoardDemandCount implements catalog.Store: a COUNT over the (board_id, status, id) index,
// which reads no record.
//
// Errors: catalog.ErrClosed, or the database's error wrapped.
func (s *Store) BoardDemandCount(ctx context.Context, boardID uuid.UUID, statuses catalog.StatusSet) (int, error) {
	if s.closed.Load() {
		return 0, errClosed("board demand count")
	}
	if boardID == uuid.Nil {
		return 0, nil // a demand on no board keeps NULL, not the nil uuid
	}
	var w where
	w.add("board_id = ?", boardID[:])
	if statuses != 0 {
		list := statuses.Slice()
		if len(list) == 0 {
			return 0, nil // only bits that are no status
		}
		vals := make([]any, len(list))
		for i, st := range list {
			vals[i] = int(st)
		}
		w.in("status", vals)
	}
	query := s.d.Rebind("SELECT COUNT(*) FROM catalog_demands WHERE " + strings.Join(w.conds, " AND "))
	var n int64
	if err := s.reader().queryRow(ctx, query, w.args...).Scan(&n); err != nil {
		return 0, s.closedErr(ctx, "board demand count", fmt.Errorf("sqlstore: board %s demand count: %w", boardID, err))
	}
	return int(n), nil
}

// records reads up to maxRows encoded records, decoding each and checking it belongs to the
// query (a row that does not is catalog.ErrCorrupt). The result is empty, not nil, when none match.
func records[T any](ctx context.Context, s *Store, op, query string, maxRows int, decode func([]byte) (T, error), belongs func(*T) error, args ...any) ([]T, error) {
	if s.closed.Load() {
		return nil, errClosed(op)
	}
	rows, err := s.reader().query(ctx, query, args...)
	if err != nil {
		return nil, s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		if len(out) == maxRows {
			return nil, corrupt("%s: more than %d rows", op, maxRows)
		}
		var rec []byte
		if err := rows.Scan(&rec); err != nil {
			return nil, s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
		}
		v, err := decode(rec)
		if err != nil {
			return nil, err
		}
		if err := belongs(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.closedErr(ctx, op, fmt.Errorf("sqlstore: %s: %w", op, err))
	}
	return out, nil
}

// Claims implements catalog.Store.
//
// Errors: catalog.ErrClosed, catalog.ErrCorrupt (among others: more than catalog.ClaimsPerDemandMax
// claims), or the database's error wrapped.
func (s *Store) Claims(ctx context.Context, demandID uuid.UUID) ([]catalog.Claim, error) {
	return records(ctx, s, "claims", s.q.claims, catalog.ClaimsPerDemandMax, decodeClaim, func(cl *catalog.Claim) error {
		if cl.DemandID != demandID {
			return corrupt("claims of %s: a claim on %s", demandID, cl.DemandID)
		}
		return nil
	}, demandID[:])
}

// ProviderClaims implements catalog.Store.
//
// Errors: catalog.ErrInvalid (limit outside 1..catalog.PageSizeMax), catalog.ErrClosed,
// catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) ProviderClaims(ctx context.Context, providerID uuid.UUID, q catalog.ClaimQuery) ([]catalog.Claim, error) {
	if err := checkLimit("provider claims", q.Limit); err != nil {
		return nil, err
	}
	active, cursor := 0, 0
	if q.ActiveOnly {
		active = 1
	}
	args := []any{providerID[:]}
	if q.After != uuid.Nil {
		cursor = 1
		args = append(args, q.After[:])
	}
	args = append(args, q.Limit)
	return records(ctx, s, "provider claims", s.q.providerClaims[active][cursor], q.Limit, decodeClaim, func(cl *catalog.Claim) error {
		if cl.ProviderID != providerID || (q.ActiveOnly && cl.State != catalog.ClaimActive) || !after(cl.DemandID, q.After) {
			return corrupt("claims of provider %s: claim %s/%s in state %d", providerID, cl.DemandID, cl.ProviderID, cl.State)
		}
		return nil
	}, args...)
}

// Audits implements catalog.Store.
//
// Errors: catalog.ErrClosed, catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Audits(ctx context.Context, demandID uuid.UUID) ([]catalog.Audit, error) {
	return records(ctx, s, "audits", s.q.audits, catalog.ClaimsPerDemandMax, decodeAudit, func(a *catalog.Audit) error {
		if a.DemandID != demandID {
			return corrupt("audits of %s: an audit of %s", demandID, a.DemandID)
		}
		return nil
	}, demandID[:])
}

// Events implements catalog.Store.
//
// Errors: catalog.ErrInvalid (limit outside 1..catalog.PageSizeMax), catalog.ErrClosed,
// catalog.ErrCorrupt, or the database's error wrapped.
func (s *Store) Events(ctx context.Context, demandID uuid.UUID, afterSeq uint64, limit int) ([]catalog.Event, error) {
	if err := checkLimit("events", limit); err != nil {
		return nil, err
	}
	if afterSeq >= math.MaxInt64 {
		if s.closed.Load() {
			return nil, errClosed("events")
		}
		return []catalog.Event{}, nil // no stored number is that high
	}
	return records(ctx, s, "events", s.q.events, limit, decodeEvent, func(e *catalog.Event) error {
		if e.DemandID != demandID || e.Seq <= afterSeq {
			return corrupt("events of %s: event %s #%d", demandID, e.DemandID, e.Seq)
		}
		return nil
	}, demandID[:], int64(afterSeq), limit)
}
