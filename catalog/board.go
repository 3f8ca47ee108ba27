package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// BoardSpec describes a board to publish.
type BoardSpec struct {
	Name     string // kept trimmed, LF line ends, as a demand's title; 1..NameBytesMax bytes
	Kind     BoardKind
	Scope    GridPath // street or community publishing it; every demand must lie within
	OpensAt  time.Time
	ClosesAt time.Time   // after OpensAt and after now; both in the years 0000..9999 of China time
	Demands  []uuid.UUID // Open demands to put on it, at most BoardDemandsMax
	Actor    string
}

// PublishBoard publishes a named, time-bounded board (揭榜) and moves each listed demand from
// Open to Published on it, all at once or not at all.
//
// Errors: ErrInvalid (a name that is empty or only whitespace, or long; bad kind, scope or
// actor, ClosesAt not after OpensAt or not in the future, OpensAt or ClosesAt outside the
// years 0000..9999 of China time (as a deadline), more than BoardDemandsMax demands, a
// repeated demand, a demand outside the scope or of a kind the board does not take),
// ErrNotFound (a demand), ErrInvalidTransition (a demand that is not Open), ErrDeadlinePassed
// (a demand whose deadline has come: no one could claim it), ErrVersionConflict (after
// ConflictRetriesMax lost races).
func (c *Catalog) PublishBoard(ctx context.Context, spec BoardSpec) (Board, error) {
	spec.Name = normText(spec.Name) // as a title or a provider's name: trimmed, LF line ends
	if err := checkText("board name", spec.Name, 1, NameBytesMax); err != nil {
		return Board{}, fmt.Errorf("publish board: %w", err)
	}
	if err := (Act{Actor: spec.Actor}).validate("publish board"); err != nil {
		return Board{}, err
	}
	if !spec.Kind.Valid() {
		return Board{}, errorf(ErrInvalid, "publish board %q: kind %d", spec.Name, spec.Kind)
	}
	if err := spec.Scope.Validate(); err != nil {
		return Board{}, fmt.Errorf("publish board %q: scope: %w", spec.Name, err)
	}
	now := c.clock()
	opens, closes := normTime(spec.OpensAt), normTime(spec.ClosesAt)
	// In the years a deadline may have: a SQL store keeps times as int64 microseconds, and a
	// board memstore took would be refused there.
	for _, t := range []struct {
		field string
		at    time.Time
	}{{"opens", opens}, {"closes", closes}} {
		if err := checkTime("board "+t.field, t.at); err != nil {
			return Board{}, fmt.Errorf("publish board %q: %w", spec.Name, err)
		}
	}
	if !closes.After(opens) || !closes.After(now) {
		return Board{}, errorf(ErrInvalid, "publish board %q: closes %s, opens %s, now %s", spec.Name, closes, opens, now)
	}
	if len(spec.Demands) > BoardDemandsMax {
		return Board{}, errorf(ErrInvalid, "publish board %q: %d demands, max %d", spec.Name, len(spec.Demands), BoardDemandsMax)
	}
	seen := make(map[uuid.UUID]bool, len(spec.Demands))
	for _, id := range spec.Demands {
		if seen[id] {
			return Board{}, errorf(ErrInvalid, "publish board %q: demand %s repeated", spec.Name, id)
		}
		seen[id] = true
	}
	id, err := c.id("publish board")
	if err != nil {
		return Board{}, err
	}
	b := Board{
		ID: id, Name: spec.Name, Kind: spec.Kind, Scope: spec.Scope, OpensAt: opens, ClosesAt: closes,
		CreatedBy: spec.Actor, Version: 1, CreatedAt: now,
	}
	err = retry(ctx, func() error {
		ch := Change{Boards: []Board{b}}
		for _, id := range spec.Demands {
			d, err := c.store.Demand(ctx, id)
			if err != nil {
				return fmt.Errorf("publish board %q: demand %s: %w", spec.Name, id, err)
			}
			if err := c.publishable(b, d, now); err != nil {
				return fmt.Errorf("publish board %q: %w", spec.Name, err)
			}
			addPublish(&ch, d, b.ID, spec.Actor, now)
		}
		if err := c.store.Apply(ctx, ch); err != nil {
			return fmt.Errorf("publish board %q: %w", spec.Name, err)
		}
		return nil
	})
	if err != nil {
		return Board{}, err
	}
	return b, nil
}

func (c *Catalog) publishable(b Board, d Demand, now time.Time) error {
	if d.Status != StatusOpen {
		return errorf(ErrInvalidTransition, "demand %s is %s, only open demands are published", d.ID, d.Status)
	}
	if err := requireBeforeDeadline(d, now); err != nil {
		return fmt.Errorf("demand %s: %w", d.ID, err)
	}
	if !d.Location.Grid.Within(b.Scope) {
		return errorf(ErrInvalid, "demand %s at %s is outside the board's scope %s", d.ID, d.Location.Grid, b.Scope)
	}
	if !b.Kind.Takes(d.Kind) {
		return errorf(ErrInvalid, "demand %s: a %s does not go on this board", d.ID, d.Kind)
	}
	return nil
}

// onBoardStatuses are the statuses of a demand on its board: Published, Claimed or Accepted. A
// demand keeps its BoardID once started (and when cancelled or expired) as a record, but it is
// no longer on the board.
const onBoardStatuses = StatusSet(1<<StatusPublished | 1<<StatusClaimed | 1<<StatusAccepted)

// addPublish appends demand d's move to Published on board to ch.
func addPublish(ch *Change, d Demand, board uuid.UUID, actor string, now time.Time) {
	now = notBefore(now, d.UpdatedAt)
	n := d.Clone()
	n.Status, n.BoardID, n.Version, n.UpdatedAt = StatusPublished, board, d.Version+1, now
	ch.Demands = append(ch.Demands, n)
	ch.Events = append(ch.Events, Event{DemandID: d.ID, Seq: n.Version, Action: ActionPublish, From: d.Status, To: n.Status, Actor: actor, At: now})
}

// notBefore is when a change of a record (a demand, a provider) last changed at last is dated:
// now, or last if that came later. Several instances of the service share one store, each on
// its own clock; one running behind another must not date a change before the one the other
// made (a demand's events never go back in time, see ExpireDue, nor a provider's UpdatedAt).
func notBefore(now, last time.Time) time.Time {
	if now.Before(last) {
		return last
	}
	return now
}

// Publish puts one more Open demand on a board that is still open.
//
// Errors: ErrInvalid (bad act, demand outside the scope or of the wrong kind, a board that
// already holds BoardDemandsMax published, claimed or accepted demands), ErrNotFound
// (board or demand), ErrBoardClosed (the board is closed or past its closing time),
// ErrInvalidTransition (the demand is not Open), ErrDeadlinePassed (the demand's deadline has
// come), ErrVersionConflict (act.Version is not the demand's version, or after
// ConflictRetriesMax lost races: a publication on the same board meanwhile is not a conflict).
func (c *Catalog) Publish(ctx context.Context, boardID, demandID uuid.UUID, act Act) (Demand, error) {
	if err := act.validate("publish"); err != nil {
		return Demand{}, err
	}
	var out Demand
	// The caller's version is the demand's: a lost race for the board (another publication on
	// it, through this instance or another) is retried like one without a version, and only a
	// demand that changed since the caller read it is refused. That refusal is final, so it
	// leaves the retry loop through stale rather than as a conflict to retry.
	var stale error
	err := retry(ctx, func() error {
		now := c.clock()
		b, err := c.store.Board(ctx, boardID)
		if err != nil {
			return fmt.Errorf("publish %s on board %s: %w", demandID, boardID, err)
		}
		if b.Closed || !now.Before(b.ClosesAt) {
			return errorf(ErrBoardClosed, "publish %s: board %q closed", demandID, b.Name)
		}
		d, err := c.store.Demand(ctx, demandID)
		if err != nil {
			return fmt.Errorf("publish %s: %w", demandID, err)
		}
		if act.Version != 0 && d.Version != act.Version {
			stale = errorf(ErrVersionConflict, "publish %s: version %d, caller read %d", demandID, d.Version, act.Version)
			return nil
		}
		if err := c.publishable(b, d, now); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		// A board holds at most BoardDemandsMax demands, or CloseBoard could not move them.
		// Only Publish adds one to an existing board, and it moves the board's version, so a
		// count read after the board stands until the write (a demand leaving meanwhile only
		// makes it high).
		n, err := c.store.BoardDemandCount(ctx, b.ID, onBoardStatuses)
		if err != nil {
			return fmt.Errorf("publish %s: %w", demandID, err)
		}
		if n >= BoardDemandsMax {
			return errorf(ErrInvalid, "publish %s: board %q holds %d demands, max %d", demandID, b.Name, n, BoardDemandsMax)
		}
		// The board's version moves too, so a concurrent CloseBoard and Publish cannot both win.
		b.Version++
		ch := Change{Boards: []Board{b}}
		addPublish(&ch, d, b.ID, act.Actor, now)
		ch.Events[0].Reason = act.Reason
		if err := c.store.Apply(ctx, ch); err != nil {
			return fmt.Errorf("publish %s: %w", demandID, err)
		}
		out = ch.Demands[0]
		return nil
	})
	if err == nil && stale != nil {
		return Demand{}, stale
	}
	return out, err
}

// CloseBoard closes a board (before or after its closing time): it takes no more claims, and
// its demands still unclaimed (Published) return to Open for the next board. Closing a closed
// board changes nothing and returns it.
//
// Errors: ErrInvalid (bad actor, or more than BoardDemandsMax demands still published),
// ErrNotFound, ErrVersionConflict (after ConflictRetriesMax lost races).
func (c *Catalog) CloseBoard(ctx context.Context, boardID uuid.UUID, actor string) (Board, error) {
	if err := (Act{Actor: actor}).validate("close board"); err != nil {
		return Board{}, err
	}
	var out Board
	err := retry(ctx, func() error {
		b, err := c.store.Board(ctx, boardID)
		if err != nil {
			return fmt.Errorf("close board %s: %w", boardID, err)
		}
		if b.Closed {
			out = b
			return nil
		}
		// Unclaimed demands return to Open. Partly claimed ones stay Claimed, but their version
		// moves too: a claim that read the board open before this close then conflicts,
		// re-reads, and finds the board closed, so no claim lands after the close.
		q := DemandQuery{BoardID: boardID, Statuses: Statuses(StatusPublished, StatusClaimed), Limit: PageSizeMax}
		var listed []Demand
		for {
			page, err := c.store.Demands(ctx, q)
			if err != nil {
				return fmt.Errorf("close board %s: %w", boardID, err)
			}
			if len(listed)+len(page) > BoardDemandsMax {
				return errorf(ErrInvalid, "close board %s: more than %d published demands", boardID, BoardDemandsMax)
			}
			listed = append(listed, page...)
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].ID
		}
		// The clock is read after the listing: a claim that took a demand's last place while the
		// close listed (the demand then Accepted, not listed, no conflict) landed before the
		// close and must not be dated after it. Dated no earlier than the board's creation: the
		// instance that published it may run ahead of this one (see notBefore).
		now := c.clock()
		b.Closed, b.ClosedAt = true, notBefore(now, b.CreatedAt)
		b.Version++
		ch := Change{Boards: []Board{b}, Demands: make([]Demand, 0, len(listed)), Events: make([]Event, 0, len(listed))}
		for _, d := range listed {
			n := d.Clone()
			at := notBefore(now, d.UpdatedAt)
			n.Version, n.UpdatedAt = d.Version+1, at
			reason := "board closed; claimed places stay"
			if d.Status == StatusPublished {
				n.Status, n.BoardID, reason = StatusOpen, uuid.Nil, "board closed"
			}
			ch.Demands = append(ch.Demands, n)
			ch.Events = append(ch.Events, Event{DemandID: d.ID, Seq: n.Version, Action: ActionUnpublish, From: d.Status, To: n.Status, Actor: actor, Reason: reason, At: at})
		}
		if err := c.store.Apply(ctx, ch); err != nil {
			return fmt.Errorf("close board %s: %w", boardID, err)
		}
		out = b
		return nil
	})
	return out, err
}

// Board returns one board.
//
// Errors: ErrNotFound, ErrClosed.
func (c *Catalog) Board(ctx context.Context, id uuid.UUID) (Board, error) {
	b, err := c.store.Board(ctx, id)
	if err != nil {
		return Board{}, fmt.Errorf("board %s: %w", id, err)
	}
	return b, nil
}

// BoardPage is one page of a board query; Next as in DemandPage.
type BoardPage struct {
	Boards []Board
	Next   uuid.UUID
}

// Boards lists boards matching q in id order (q.Limit zero: PageSizeDefault).
//
// Errors: ErrInvalid (limit, scope), ErrClosed.
func (c *Catalog) Boards(ctx context.Context, q BoardQuery) (BoardPage, error) {
	var err error
	if q.Limit, err = pageLimit(q.Limit); err != nil {
		return BoardPage{}, fmt.Errorf("boards: %w", err)
	}
	if q.Scope != "" {
		if err := q.Scope.Validate(); err != nil {
			return BoardPage{}, fmt.Errorf("boards: %w", err)
		}
	}
	q.OpenAt = normTime(q.OpenAt)
	bs, err := c.store.Boards(ctx, q)
	if err != nil {
		return BoardPage{}, fmt.Errorf("boards: %w", err)
	}
	page := BoardPage{Boards: bs}
	if len(bs) == q.Limit {
		page.Next = bs[len(bs)-1].ID
	}
	return page, nil
}
