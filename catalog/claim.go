package catalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Claim records that a provider claims a demand from its board (揭榜认领) or accepts a
// demand dispatched to it (接单). The demand becomes Claimed while places remain and Accepted
// when the headcount is met; the claim takes one unit of the provider's capacity.
//
// Preconditions, checked in this order: the demand is Published, Dispatched or Claimed
// (ErrHeadcountFull if Accepted, ErrInvalidTransition otherwise); its deadline, if it has one,
// is still ahead (ErrDeadlinePassed: the demand is due to expire); its board is open now
// (ErrBoardClosed), or, if dispatched, the provider is one it was dispatched to (ErrIneligible);
// the provider is not the requester nor a member of the requester's team (ErrSelfClaim); the
// provider has every required skill or is an organisation with a function the taxonomy lists
// for the demand's category, serves the demand's grid, and is an organisation if the demand
// kind needs one (ErrIneligible; see Taxonomy.Eligible); it has no active claim on the demand yet
// (ErrDuplicateClaim); a place is left (ErrHeadcountFull); it is below its capacity
// (ErrCapacity).
//
// Errors: the above, and ErrInvalid (bad act, or more than ClaimsPerDemandMax claims on the
// demand), ErrNotFound (demand or provider), ErrVersionConflict.
func (c *Catalog) Claim(ctx context.Context, demandID, providerID uuid.UUID, act Act) (Claim, error) {
	var out Claim
	_, err := c.moveDemand(ctx, "claim", demandID, act, func(s *step) error {
		s.action, s.provider = ActionClaim, providerID
		d := *s.d // not yet changed
		if d.Status == StatusAccepted {
			return errorf(ErrHeadcountFull, "all %d places taken", d.Headcount)
		}
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		if err := requireBeforeDeadline(d, s.clockNow); err != nil {
			return err
		}
		p, err := c.store.Provider(ctx, providerID)
		if err != nil {
			return fmt.Errorf("provider %s: %w", providerID, err)
		}
		if len(d.DispatchedTo) == 0 {
			b, err := c.store.Board(ctx, d.BoardID)
			if err != nil {
				return fmt.Errorf("board %s: %w", d.BoardID, err)
			}
			if !b.OpenAt(s.clockNow) {
				return errorf(ErrBoardClosed, "board %q not open at %s", b.Name, s.clockNow.Format("2006-01-02 15:04"))
			}
		}
		// Dispatched to others, self-claim, then skill, area and organisation.
		if err := c.tax.Eligible(d, p); err != nil {
			return err
		}
		var prev *Claim
		for i := range s.claims {
			if s.claims[i].ProviderID == providerID {
				prev = &s.claims[i]
			}
		}
		if prev != nil && prev.State == ClaimActive {
			return errorf(ErrDuplicateClaim, "provider %s", providerID)
		}
		if d.Filled >= d.Headcount {
			return errorf(ErrHeadcountFull, "all %d places taken", d.Headcount)
		}
		if p.Active >= p.Capacity {
			return errorf(ErrCapacity, "provider %s serves %d of %d", providerID, p.Active, p.Capacity)
		}
		if prev == nil && len(s.claims) >= ClaimsPerDemandMax {
			return errorf(ErrInvalid, "%d claims on one demand, max %d", len(s.claims), ClaimsPerDemandMax)
		}
		p.Active++
		p.Version++
		p.UpdatedAt = notBefore(s.now, p.UpdatedAt) // the provider may have moved later than the demand
		s.ch.Providers = append(s.ch.Providers, p)
		out = Claim{DemandID: demandID, ProviderID: providerID, State: ClaimActive, ClaimedAt: s.now}
		s.ch.Claims = append(s.ch.Claims, out)
		s.d.Filled++
		s.d.Status = StatusClaimed
		if s.d.Filled == s.d.Headcount {
			s.d.Status = StatusAccepted
		}
		return nil
	})
	if err != nil {
		return Claim{}, err
	}
	return out, nil
}

// eligible checks that p may serve d. A demand dispatched to p (派单) skips the skill and
// service-area checks: dispatch is the community's decision. byFunction skips the skill check
// only: a unit that serves the category by its function (职能分工) claims without the listed
// skills, as matching routes it, but only within its service area. The rule that a big item
// needs an organisation always holds.
func eligible(d Demand, p Provider, dispatched, byFunction bool) error {
	if d.Kind.NeedsOrganisation() && !p.Kind.Organisation() {
		return errorf(ErrIneligible, "provider %s: a %s needs a unit, team or social organisation", p.ID, d.Kind)
	}
	if !dispatched && !byFunction && !p.HasSkills(d.Skills) {
		return errorf(ErrIneligible, "provider %s lacks a skill of %v and no function of category %q", p.ID, d.Skills, d.Category)
	}
	if !dispatched && !p.Serves(d.Location.Grid) {
		return errorf(ErrIneligible, "provider %s does not serve %s", p.ID, d.Location.Grid)
	}
	return nil
}

// Eligible reports why provider p may not serve demand d (nil if it may): the dispatch, skill,
// service area and organisation rules, without the function fit a taxonomy adds (see
// Taxonomy.Eligible, which Claim applies). A demand dispatched to named providers admits only
// them.
//
// Errors: ErrSelfClaim, ErrIneligible.
func Eligible(d Demand, p Provider) error { return eligibleAs(d, p, false) }

// Eligible reports why provider p may not serve demand d (nil if it may), by the rules Claim
// applies: those of the package-level Eligible, except that an organisation with one of the
// functions t lists for d's category need not have d's skills (职能分工). A nil t is the
// default taxonomy.
//
// Errors: ErrSelfClaim, ErrIneligible.
func (t *Taxonomy) Eligible(d Demand, p Provider) error {
	return eligibleAs(d, p, t.servesByFunction(d, p))
}

// eligibleAs is Claim's provider checks, in Claim's order, on the demand as given (Claim
// applies them through Taxonomy.Eligible).
func eligibleAs(d Demand, p Provider, byFunction bool) error {
	dispatched := len(d.DispatchedTo) > 0
	if dispatched && !containsID(d.DispatchedTo, p.ID) {
		return errorf(ErrIneligible, "provider %s: demand dispatched to others", p.ID)
	}
	if p.HasPerson(d.Requester.ID) {
		return errorf(ErrSelfClaim, "provider %s is the requester %q", p.ID, d.Requester.ID)
	}
	return eligible(d, p, dispatched, byFunction)
}

// servesByFunction reports whether p is an organisation with a function t lists for d's
// category.
func (t *Taxonomy) servesByFunction(d Demand, p Provider) bool {
	if t == nil {
		t = DefaultTaxonomy()
	}
	if !p.Kind.Organisation() || len(p.Functions) == 0 {
		return false
	}
	i, ok := t.byCode[d.Category]
	if !ok {
		return false
	}
	for _, f := range t.categories[i].Functions {
		if slices.Contains(p.Functions, f) {
			return true
		}
	}
	return false
}

func containsID(ids []uuid.UUID, id uuid.UUID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Withdraw ends a provider's active claim before the work starts (the place is returned). The
// demand stays Claimed if other claims remain; otherwise it returns to its board (Published), to
// Open if that board has closed, or to Dispatched.
//
// Errors: ErrInvalid (bad act), ErrNotFound (demand, or no active claim by the provider),
// ErrVersionConflict, ErrInvalidTransition if the demand is not Claimed or Accepted, ErrCorrupt
// if the store holds the claim active but the provider's load or the demand's filled places do
// not count it (nothing is written).
func (c *Catalog) Withdraw(ctx context.Context, demandID, providerID uuid.UUID, act Act) (Demand, error) {
	return c.moveDemand(ctx, "withdraw", demandID, act, func(s *step) error {
		s.action, s.provider = ActionWithdraw, providerID
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		var cl *Claim
		for i := range s.claims {
			if s.claims[i].ProviderID == providerID && s.claims[i].State == ClaimActive {
				cl = &s.claims[i]
			}
		}
		if cl == nil {
			return errorf(ErrNotFound, "no active claim by provider %s", providerID)
		}
		p, err := c.store.Provider(ctx, providerID)
		if err != nil {
			return fmt.Errorf("provider %s: %w", providerID, err)
		}
		if s.d.Filled <= 0 {
			// As for the provider's load (see releaseLoad): a race, or a corrupt store.
			if err := c.requireUnchanged(ctx, s); err != nil {
				return err
			}
			return errorf(ErrCorrupt, "demand filled %d under an active claim by provider %s", s.d.Filled, providerID)
		}
		if err := c.releaseLoad(ctx, s, &p); err != nil {
			return err
		}
		w := *cl
		w.State, w.ClosedAt = ClaimWithdrawn, s.now
		s.ch.Claims = append(s.ch.Claims, w)
		s.d.Filled--
		switch {
		case s.d.Filled > 0:
			s.d.Status = StatusClaimed
			if s.from == StatusAccepted && len(s.d.DispatchedTo) == 0 {
				// A place opens again on a board's demand. A CloseBoard that listed the board's
				// demands before this (this one Accepted: not listed, its version not moved)
				// would otherwise land beside a claim that read the board open after it. The
				// board's version moves, so the close re-lists the board and moves this one.
				b, err := c.store.Board(ctx, s.d.BoardID)
				if err != nil {
					return fmt.Errorf("board %s: %w", s.d.BoardID, err)
				}
				if !b.Closed {
					b.Version++
					s.ch.Boards = append(s.ch.Boards, b)
				}
			}
		case len(s.d.DispatchedTo) > 0:
			s.d.Status = StatusDispatched
		default:
			b, err := c.store.Board(ctx, s.d.BoardID)
			if err != nil {
				return fmt.Errorf("board %s: %w", s.d.BoardID, err)
			}
			s.d.Status = StatusPublished
			if b.Closed || !s.clockNow.Before(b.ClosesAt) {
				s.d.Status, s.d.BoardID = StatusOpen, uuid.Nil
				break
			}
			// Back on the board: the board's version moves, as in Publish, so a concurrent
			// CloseBoard (which does not list this demand: it was Accepted) and this withdrawal
			// cannot both win, and the demand never lands Published on a closed board.
			b.Version++
			s.ch.Boards = append(s.ch.Boards, b)
		}
		return nil
	})
}

// Start marks the work under way. The community may start a demand with fewer providers than
// its headcount (from Claimed).
//
// Errors: ErrInvalid (bad act), ErrNotFound, ErrVersionConflict, ErrInvalidTransition if the
// demand is not Claimed or Accepted.
func (c *Catalog) Start(ctx context.Context, id uuid.UUID, act Act) (Demand, error) {
	return c.moveDemand(ctx, "start", id, act, func(s *step) error {
		s.action = ActionStart
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		s.d.Status = StatusInProgress
		return nil
	})
}

func checkHours(h decimal.Decimal) error {
	if !fixedPoint(h, HoursScale, HoursPerActivityMax) {
		return errorf(ErrInvalid, "hours %s, want 0 < hours <= %d with at most %d decimals", decimalText(h), HoursPerActivityMax, HoursScale)
	}
	return nil
}

// Complete records that the work is done (the providers report, hours recorded): reports give
// the hours of every provider with an active claim, exactly once each. The claims end and the
// providers' capacity is freed.
//
// Errors: ErrInvalid (bad act; reports missing a provider, naming one without an active claim,
// repeating one, or hours out of range), ErrNotFound, ErrVersionConflict, ErrInvalidTransition
// if the demand is not InProgress, ErrCorrupt if the store holds a claim active that its
// provider's load does not count (nothing is written).
func (c *Catalog) Complete(ctx context.Context, id uuid.UUID, reports []WorkReport, act Act) (Demand, error) {
	if len(reports) == 0 || len(reports) > HeadcountMax {
		return Demand{}, errorf(ErrInvalid, "complete %s: %d reports, want 1..%d", id, len(reports), HeadcountMax)
	}
	hours := make(map[uuid.UUID]decimal.Decimal, len(reports))
	for _, r := range reports {
		if _, dup := hours[r.ProviderID]; dup {
			return Demand{}, errorf(ErrInvalid, "complete %s: provider %s reported twice", id, r.ProviderID)
		}
		if err := checkHours(r.Hours); err != nil {
			return Demand{}, fmt.Errorf("complete %s: provider %s: %w", id, r.ProviderID, err)
		}
		hours[r.ProviderID] = r.Hours.Round(HoursScale)
	}
	return c.moveDemand(ctx, "complete", id, act, func(s *step) error {
		s.action = ActionComplete
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		active := 0
		for _, cl := range s.claims {
			if cl.State == ClaimActive {
				active++
				if _, ok := hours[cl.ProviderID]; !ok {
					return errorf(ErrInvalid, "no hours reported for provider %s", cl.ProviderID)
				}
			}
		}
		if active != len(hours) {
			return errorf(ErrInvalid, "%d reports for %d active providers", len(hours), active)
		}
		if err := c.closeClaims(ctx, s, ClaimDone, hours); err != nil {
			return err
		}
		s.d.Filled = 0 // no claim is active any more; the Done claims name who served
		s.d.Status = StatusCompleted
		return nil
	})
}

// Rate records the requester's review (评单): a score 1..5 and a comment. Every provider who
// served gets the score added to its rating. The community may enter the rating on behalf of a
// resident who does not use the app, so the actor is not checked against the requester; but no
// one who did the work rates it (the actor is no provider's person nor a member of a team
// that served).
//
// Errors: ErrInvalid (bad act, score outside RatingMin..RatingMax, comment too long),
// ErrNotFound, ErrVersionConflict, ErrInvalidTransition if the demand is not Completed,
// ErrSelfReview if the actor did the work.
func (c *Catalog) Rate(ctx context.Context, id uuid.UUID, score int, comment string, act Act) (Demand, error) {
	if score < RatingMin || score > RatingMax {
		return Demand{}, errorf(ErrInvalid, "rate %s: score %d, want %d..%d", id, score, RatingMin, RatingMax)
	}
	if err := checkText("comment", comment, 0, CommentBytesMax); err != nil {
		return Demand{}, fmt.Errorf("rate %s: %w", id, err)
	}
	return c.moveDemand(ctx, "rate", id, act, func(s *step) error {
		s.action = ActionRate
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		for _, cl := range s.claims {
			if cl.State != ClaimDone {
				continue
			}
			p, err := c.store.Provider(ctx, cl.ProviderID)
			if err != nil {
				return fmt.Errorf("provider %s: %w", cl.ProviderID, err)
			}
			if p.HasPerson(act.Actor) {
				return errorf(ErrSelfReview, "%q served as provider %s", act.Actor, p.ID)
			}
			p.RatingSum += score
			p.RatingCount++
			p.Version++
			p.UpdatedAt = notBefore(s.now, p.UpdatedAt)
			s.ch.Providers = append(s.ch.Providers, p)
		}
		s.d.Rating = Rating{Score: score, Comment: comment, At: s.now}
		s.d.Status = StatusRated
		return nil
	})
}

// Audit records the community's decision (审核) on a completed demand: one decision for every
// provider who did the work, approved with the hours to credit or rejected with a reason. The
// auditor is act.Actor. Points are then awarded for each approved provider, and MarkAwarded
// records it; the demand is Audited until the last of them is marked.
//
// An audit that rejects every provider moves the demand straight to Awarded, the end of the
// loop: DESIGN.md §5 leads from Audited only to Awarded ("points awarded for every approved
// provider"), which here holds at once, and there is no award MarkAwarded could ever record.
// The audits keep each rejection and its reason, so a report can tell such a demand from a
// paid one; returning it to the list for new providers would mix a second round of claims and
// audits into the first, and is left to the community (a new demand).
//
// The auditor must not be one who did the work: the person of a provider who served, or a
// member of a team that did (points would be awarded on their own say).
//
// Errors: ErrInvalid (bad act; decisions missing a provider, naming one who did not do the work,
// repeating one, approved hours out of range, a rejection without a reason (empty or only
// whitespace)), ErrNotFound, ErrVersionConflict, ErrInvalidTransition if the demand is not
// Completed or Rated, ErrSelfReview if the auditor did the work.
func (c *Catalog) Audit(ctx context.Context, id uuid.UUID, decisions []AuditDecision, act Act) (Demand, error) {
	if len(decisions) == 0 || len(decisions) > HeadcountMax {
		return Demand{}, errorf(ErrInvalid, "audit %s: %d decisions, want 1..%d", id, len(decisions), HeadcountMax)
	}
	for i, dec := range decisions {
		for _, prev := range decisions[:i] {
			if prev.ProviderID == dec.ProviderID {
				return Demand{}, errorf(ErrInvalid, "audit %s: provider %s decided twice", id, dec.ProviderID)
			}
		}
		if err := checkText("reason", dec.Reason, 0, ReasonBytesMax); err != nil {
			return Demand{}, fmt.Errorf("audit %s: %w", id, err)
		}
		if dec.Approved {
			if err := checkHours(dec.Hours); err != nil {
				return Demand{}, fmt.Errorf("audit %s: provider %s: %w", id, dec.ProviderID, err)
			}
		} else if normText(dec.Reason) == "" || !dec.Hours.IsZero() { // whitespace is no reason
			return Demand{}, errorf(ErrInvalid, "audit %s: provider %s: a rejection needs a reason and no hours", id, dec.ProviderID)
		}
	}
	return c.moveDemand(ctx, "audit", id, act, func(s *step) error {
		s.action = ActionAudit
		if err := requireAllowed(s.from, s.action); err != nil {
			return err
		}
		done := 0
		for _, cl := range s.claims {
			if cl.State == ClaimDone {
				done++
			}
		}
		if done != len(decisions) {
			return errorf(ErrInvalid, "%d decisions for %d providers who did the work", len(decisions), done)
		}
		approved := 0
		for _, dec := range decisions {
			found := false
			for _, cl := range s.claims {
				found = found || (cl.ProviderID == dec.ProviderID && cl.State == ClaimDone)
			}
			if !found {
				return errorf(ErrInvalid, "provider %s did not do the work", dec.ProviderID)
			}
			p, err := c.store.Provider(ctx, dec.ProviderID)
			if err != nil {
				return fmt.Errorf("provider %s: %w", dec.ProviderID, err)
			}
			if p.HasPerson(act.Actor) {
				return errorf(ErrSelfReview, "auditor %q served as provider %s", act.Actor, p.ID)
			}
			a := Audit{DemandID: id, ProviderID: dec.ProviderID, Approved: dec.Approved, Reason: dec.Reason, Auditor: act.Actor, At: s.now}
			if dec.Approved {
				a.Hours = dec.Hours.Round(HoursScale)
				approved++
			}
			s.ch.Audits = append(s.ch.Audits, a)
		}
		s.d.Status = StatusAudited
		if approved == 0 {
			s.d.Status = StatusAwarded // no award to wait for (see the doc comment)
		}
		return nil
	})
}

// Audits lists the audits of a demand by provider id.
//
// Errors: ErrNotFound (no such demand), ErrClosed.
func (c *Catalog) Audits(ctx context.Context, demandID uuid.UUID) ([]Audit, error) {
	if _, err := c.store.Demand(ctx, demandID); err != nil {
		return nil, fmt.Errorf("audits %s: %w", demandID, err)
	}
	as, err := c.store.Audits(ctx, demandID)
	if err != nil {
		return nil, fmt.Errorf("audits %s: %w", demandID, err)
	}
	return as, nil
}

// AuditOf returns the audit of one provider's part in a demand: what points.Award reads.
//
// Errors: ErrNotFound (no such demand or no audit for the provider), ErrClosed.
func (c *Catalog) AuditOf(ctx context.Context, demandID, providerID uuid.UUID) (Audit, error) {
	as, err := c.Audits(ctx, demandID)
	if err != nil {
		return Audit{}, err
	}
	for _, a := range as {
		if a.ProviderID == providerID {
			return a, nil
		}
	}
	return Audit{}, errorf(ErrNotFound, "audit of demand %s provider %s", demandID, providerID)
}

// MarkAwarded records that points for one provider's approved audit were posted. It is
// idempotent: marking an award already marked changes nothing and returns the audit, so a
// points scheme can always post first (with its own idempotency key) and mark after, and a
// retry after a crash in between repairs it. When every approved provider is marked the demand
// becomes Awarded.
//
// Errors: ErrInvalid (bad actor), ErrNotFound (demand or audit), ErrIneligible (the audit
// rejected the provider, on a demand still Audited), ErrInvalidTransition (the demand is not
// Audited and the provider's award is not already marked: so also a rejected provider of an
// Awarded demand, such as one whose audit rejected every provider), ErrVersionConflict (only
// after ConflictRetriesMax lost races).
func (c *Catalog) MarkAwarded(ctx context.Context, demandID, providerID uuid.UUID, actor string) (Audit, error) {
	// Checked here too: the already-marked path below returns before moveDemand would.
	if err := (Act{Actor: actor}).validate("mark awarded"); err != nil {
		return Audit{}, err
	}
	var out Audit
	err := retry(ctx, func() error {
		d, err := c.store.Demand(ctx, demandID)
		if err != nil {
			return fmt.Errorf("mark awarded %s: %w", demandID, err)
		}
		as, err := c.store.Audits(ctx, demandID)
		if err != nil {
			return fmt.Errorf("mark awarded %s: %w", demandID, err)
		}
		for _, a := range as {
			if a.ProviderID == providerID && a.Awarded {
				out = a
				return nil // already marked: nothing to do
			}
		}
		_, err = c.moveDemand(ctx, "mark awarded", demandID, Act{Actor: actor, Version: d.Version}, func(s *step) error {
			s.action, s.provider = ActionAward, providerID
			if err := requireAllowed(s.from, s.action); err != nil {
				return err
			}
			var target *Audit
			pending := 0
			for i := range as {
				a := &as[i]
				if a.ProviderID == providerID {
					target = a
				} else if a.Approved && !a.Awarded {
					pending++
				}
			}
			if target == nil {
				return errorf(ErrNotFound, "no audit for provider %s", providerID)
			}
			if !target.Approved {
				return errorf(ErrIneligible, "audit rejected provider %s: %s", providerID, target.Reason)
			}
			target.Awarded, target.AwardedAt, target.AwardedBy = true, s.now, actor
			s.ch.Audits = append(s.ch.Audits, *target)
			out = *target
			s.d.Status = StatusAudited
			if pending == 0 {
				s.d.Status = StatusAwarded
			}
			return nil
		})
		return err
	})
	return out, err
}
