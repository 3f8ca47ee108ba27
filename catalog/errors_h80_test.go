package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

// snapshotH80 is everything a store holds about some demands, providers and boards.
type snapshotH80 struct {
	Demands   []catalog.Demand
	Claims    [][]catalog.Claim
	Events    [][]catalog.Event
	Audits    [][]catalog.Audit
	Providers []catalog.Provider
	Boards    []catalog.Board
}

func takeH80(t *testing.T, c *catalog.Catalog, ds, ps, bs []uuid.UUID) snapshotH80 {
	t.Helper()
	ctx := context.Background()
	var s snapshotH80
	for _, id := range ds {
		d, err := c.Demand(ctx, id)
		require.NoError(t, err)
		cls, err := c.Claims(ctx, id)
		require.NoError(t, err)
		evs, err := c.History(ctx, id, 0, catalog.PageSizeMax)
		require.NoError(t, err)
		as, err := c.Audits(ctx, id)
		require.NoError(t, err)
		s.Demands, s.Claims, s.Events, s.Audits = append(s.Demands, d), append(s.Claims, cls), append(s.Events, evs), append(s.Audits, as)
	}
	for _, id := range ps {
		p, err := c.Provider(ctx, id)
		require.NoError(t, err)
		s.Providers = append(s.Providers, p)
	}
	for _, id := range bs {
		b, err := c.Board(ctx, id)
		require.NoError(t, err)
		s.Boards = append(s.Boards, b)
	}
	return s
}

// TestDocumentedErrorsChangeNothingH80 provokes every error the doc comments of Claim,
// Withdraw, Start, Complete, Rate, Audit and MarkAwarded list (and Dispatch, Cancel, Submit
// beside them), checks each is the listed sentinel, and that the store holds exactly what it
// held before: no demand, claim, event, audit, provider or board changed.
func TestDocumentedErrorsChangeNothingH80(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, memstore.New())
	c := f.Cat
	act := func(a string) catalog.Act { return catalog.Act{Actor: a} }

	v1p := storetest.Volunteer("v1")
	v1p.Capacity = 1
	v1 := f.Register(t, v1p)
	v2p := storetest.Volunteer("v2")
	v2p.Capacity = 5
	v2 := f.Register(t, v2p)
	v3p := storetest.Volunteer("v3")
	v3p.Skills = []catalog.Skill{"companionship"}
	v3 := f.Register(t, v3p) // lacks the haircut skill
	v4p := storetest.Volunteer("v4")
	v4p.Home = storetest.CommunityB
	v4 := f.Register(t, v4p) // serves another community
	self := f.Register(t, storetest.Volunteer("r1"))
	ps := []uuid.UUID{v1.ID, v2.ID, v3.ID, v4.ID, self.ID}

	wish := func(h int, deadline time.Duration) catalog.Demand {
		w := storetest.Wish("r1")
		w.Headcount = h
		if deadline != 0 {
			w.Deadline = f.Clock.Now().Add(deadline)
		}
		return f.OpenWish(t, w)
	}
	dPub := wish(3, 0)    // published, claimed by v2: Claimed
	dAcc := wish(1, 0)    // published, claimed by v2: Accepted
	dOpen := wish(1, 0)   // Open
	dDisp := wish(1, 0)   // dispatched to v2
	dClosed := wish(2, 0) // claimed by v2 on a board closed since
	dFull := wish(1, 0)   // claimed by v1, who is then at capacity
	dDue := wish(1, time.Hour)
	dWork := wish(2, 0) // started with v2 alone
	dDraft, err := c.CreateDemand(ctx, storetest.Wish("r1"), "operator")
	require.NoError(t, err)
	board := f.Board(t, dPub.ID, dAcc.ID, dFull.ID, dDue.ID, dWork.ID)
	board2 := f.Board(t, dClosed.ID)
	for _, d := range []uuid.UUID{dPub.ID, dAcc.ID, dWork.ID} {
		_, err := c.Claim(ctx, d, v2.ID, act("v2"))
		require.NoError(t, err)
	}
	_, err = c.Claim(ctx, dFull.ID, v1.ID, act("v1"))
	require.NoError(t, err)
	_, err = c.Claim(ctx, dClosed.ID, v2.ID, act("v2"))
	require.NoError(t, err)
	_, err = c.CloseBoard(ctx, board2.ID, "community")
	require.NoError(t, err)
	_, err = c.Dispatch(ctx, dDisp.ID, []uuid.UUID{v2.ID}, act("c"))
	require.NoError(t, err)
	_, err = c.Start(ctx, dWork.ID, act("c"))
	require.NoError(t, err)
	// A completed demand, a rated one and an audited one, served by v2.
	served := func(rate bool) uuid.UUID {
		d := wish(1, 0)
		_, err := c.Publish(ctx, board.ID, d.ID, act("c"))
		require.NoError(t, err)
		_, err = c.Claim(ctx, d.ID, v2.ID, act("v2"))
		require.NoError(t, err)
		_, err = c.Start(ctx, d.ID, act("c"))
		require.NoError(t, err)
		_, err = c.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: v2.ID, Hours: hoursOf("1")}}, act("v2"))
		require.NoError(t, err)
		if rate {
			_, err = c.Rate(ctx, d.ID, 5, "好", act("r1"))
			require.NoError(t, err)
		}
		return d.ID
	}
	dDone := served(false)
	dRated := served(true)
	dAudited := served(true)
	_, err = c.Audit(ctx, dAudited, []catalog.AuditDecision{{ProviderID: v2.ID, Approved: true, Hours: hoursOf("1")}}, act("auditor"))
	require.NoError(t, err)
	dRejected := served(true)
	_, err = c.Audit(ctx, dRejected, []catalog.AuditDecision{{ProviderID: v2.ID, Reason: "未到场"}}, act("auditor"))
	require.NoError(t, err)
	// Past dDue's deadline: the board stays open for a month.
	f.Clock.Advance(2 * time.Hour)

	ds := []uuid.UUID{dPub.ID, dAcc.ID, dOpen.ID, dDisp.ID, dClosed.ID, dFull.ID, dDue.ID, dWork.ID, dDraft.ID,
		dDone, dRated, dAudited, dRejected}
	bs := []uuid.UUID{board.ID, board2.ID}
	missing := uuid.New()
	long := strings.Repeat("长", catalog.CommentBytesMax)
	ok := []catalog.WorkReport{{ProviderID: v2.ID, Hours: hoursOf("1")}}
	approve := []catalog.AuditDecision{{ProviderID: v2.ID, Approved: true, Hours: hoursOf("1")}}

	cases := []struct {
		name string
		want error
		call func() error
	}{
		// Claim, in the doc's order.
		{"claim accepted", catalog.ErrHeadcountFull, func() error { _, err := c.Claim(ctx, dAcc.ID, v1.ID, act("v1")); return err }},
		{"claim open", catalog.ErrInvalidTransition, func() error { _, err := c.Claim(ctx, dOpen.ID, v2.ID, act("v2")); return err }},
		{"claim draft", catalog.ErrInvalidTransition, func() error { _, err := c.Claim(ctx, dDraft.ID, v2.ID, act("v2")); return err }},
		{"claim due", catalog.ErrDeadlinePassed, func() error { _, err := c.Claim(ctx, dDue.ID, v2.ID, act("v2")); return err }},
		{"claim closed board", catalog.ErrBoardClosed, func() error { _, err := c.Claim(ctx, dClosed.ID, v3.ID, act("v3")); return err }},
		{"claim dispatched to others", catalog.ErrIneligible, func() error { _, err := c.Claim(ctx, dDisp.ID, v3.ID, act("v3")); return err }},
		{"claim own", catalog.ErrSelfClaim, func() error { _, err := c.Claim(ctx, dPub.ID, self.ID, act("r1")); return err }},
		{"claim no skill", catalog.ErrIneligible, func() error { _, err := c.Claim(ctx, dPub.ID, v3.ID, act("v3")); return err }},
		{"claim other area", catalog.ErrIneligible, func() error { _, err := c.Claim(ctx, dPub.ID, v4.ID, act("v4")); return err }},
		{"claim twice", catalog.ErrDuplicateClaim, func() error { _, err := c.Claim(ctx, dPub.ID, v2.ID, act("v2")); return err }},
		{"claim at capacity", catalog.ErrCapacity, func() error { _, err := c.Claim(ctx, dPub.ID, v1.ID, act("v1")); return err }},
		{"claim bad act", catalog.ErrInvalid, func() error { _, err := c.Claim(ctx, dPub.ID, v2.ID, act(" v2")); return err }},
		{"claim no demand", catalog.ErrNotFound, func() error { _, err := c.Claim(ctx, missing, v2.ID, act("v2")); return err }},
		{"claim no provider", catalog.ErrNotFound, func() error { _, err := c.Claim(ctx, dPub.ID, missing, act("v2")); return err }},
		{"claim stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Claim(ctx, dPub.ID, v1.ID, catalog.Act{Actor: "v1", Version: 1})
			return err
		}},
		// Withdraw.
		{"withdraw bad act", catalog.ErrInvalid, func() error { _, err := c.Withdraw(ctx, dPub.ID, v2.ID, act("")); return err }},
		{"withdraw no demand", catalog.ErrNotFound, func() error { _, err := c.Withdraw(ctx, missing, v2.ID, act("v2")); return err }},
		{"withdraw no claim", catalog.ErrNotFound, func() error { _, err := c.Withdraw(ctx, dPub.ID, v3.ID, act("v3")); return err }},
		{"withdraw no provider", catalog.ErrNotFound, func() error { _, err := c.Withdraw(ctx, dPub.ID, missing, act("v3")); return err }},
		{"withdraw in progress", catalog.ErrInvalidTransition, func() error { _, err := c.Withdraw(ctx, dWork.ID, v2.ID, act("v2")); return err }},
		{"withdraw open", catalog.ErrInvalidTransition, func() error { _, err := c.Withdraw(ctx, dOpen.ID, v2.ID, act("v2")); return err }},
		{"withdraw stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Withdraw(ctx, dPub.ID, v2.ID, catalog.Act{Actor: "v2", Version: 1})
			return err
		}},
		// Start.
		{"start bad act", catalog.ErrInvalid, func() error { _, err := c.Start(ctx, dPub.ID, act("")); return err }},
		{"start no demand", catalog.ErrNotFound, func() error { _, err := c.Start(ctx, missing, act("c")); return err }},
		{"start published", catalog.ErrInvalidTransition, func() error { _, err := c.Start(ctx, dDue.ID, act("c")); return err }},
		{"start in progress", catalog.ErrInvalidTransition, func() error { _, err := c.Start(ctx, dWork.ID, act("c")); return err }},
		{"start stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Start(ctx, dPub.ID, catalog.Act{Actor: "c", Version: 1})
			return err
		}},
		// Complete.
		{"complete no reports", catalog.ErrInvalid, func() error { _, err := c.Complete(ctx, dWork.ID, nil, act("v2")); return err }},
		{"complete missing one", catalog.ErrInvalid, func() error {
			_, err := c.Complete(ctx, dWork.ID, []catalog.WorkReport{{ProviderID: v3.ID, Hours: hoursOf("1")}}, act("v2"))
			return err
		}},
		{"complete extra one", catalog.ErrInvalid, func() error {
			_, err := c.Complete(ctx, dWork.ID, append(append([]catalog.WorkReport(nil), ok...), catalog.WorkReport{ProviderID: v3.ID, Hours: hoursOf("1")}), act("v2"))
			return err
		}},
		{"complete repeated", catalog.ErrInvalid, func() error { _, err := c.Complete(ctx, dWork.ID, append(ok, ok...), act("v2")); return err }},
		{"complete zero hours", catalog.ErrInvalid, func() error {
			_, err := c.Complete(ctx, dWork.ID, []catalog.WorkReport{{ProviderID: v2.ID}}, act("v2"))
			return err
		}},
		{"complete too precise", catalog.ErrInvalid, func() error {
			_, err := c.Complete(ctx, dWork.ID, []catalog.WorkReport{{ProviderID: v2.ID, Hours: hoursOf("1.001")}}, act("v2"))
			return err
		}},
		{"complete too long", catalog.ErrInvalid, func() error {
			_, err := c.Complete(ctx, dWork.ID, []catalog.WorkReport{{ProviderID: v2.ID, Hours: decimal.NewFromInt(catalog.HoursPerActivityMax + 1)}}, act("v2"))
			return err
		}},
		{"complete bad act", catalog.ErrInvalid, func() error { _, err := c.Complete(ctx, dWork.ID, ok, act("")); return err }},
		{"complete no demand", catalog.ErrNotFound, func() error { _, err := c.Complete(ctx, missing, ok, act("v2")); return err }},
		{"complete claimed", catalog.ErrInvalidTransition, func() error { _, err := c.Complete(ctx, dPub.ID, ok, act("v2")); return err }},
		{"complete stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Complete(ctx, dWork.ID, ok, catalog.Act{Actor: "v2", Version: 1})
			return err
		}},
		// Rate.
		{"rate zero", catalog.ErrInvalid, func() error { _, err := c.Rate(ctx, dDone, 0, "", act("r1")); return err }},
		{"rate six", catalog.ErrInvalid, func() error { _, err := c.Rate(ctx, dDone, 6, "", act("r1")); return err }},
		{"rate long comment", catalog.ErrInvalid, func() error { _, err := c.Rate(ctx, dDone, 5, long, act("r1")); return err }},
		{"rate bad act", catalog.ErrInvalid, func() error { _, err := c.Rate(ctx, dDone, 5, "", act("")); return err }},
		{"rate no demand", catalog.ErrNotFound, func() error { _, err := c.Rate(ctx, missing, 5, "", act("r1")); return err }},
		{"rate in progress", catalog.ErrInvalidTransition, func() error { _, err := c.Rate(ctx, dWork.ID, 5, "", act("r1")); return err }},
		{"rate rated", catalog.ErrInvalidTransition, func() error { _, err := c.Rate(ctx, dRated, 5, "", act("r1")); return err }},
		{"rate own work", catalog.ErrSelfReview, func() error { _, err := c.Rate(ctx, dDone, 5, "", act("v2")); return err }},
		{"rate stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Rate(ctx, dDone, 5, "", catalog.Act{Actor: "r1", Version: 1})
			return err
		}},
		// Audit.
		{"audit none", catalog.ErrInvalid, func() error { _, err := c.Audit(ctx, dRated, nil, act("auditor")); return err }},
		{"audit missing one", catalog.ErrInvalid, func() error {
			_, err := c.Audit(ctx, dRated, []catalog.AuditDecision{{ProviderID: v3.ID, Approved: true, Hours: hoursOf("1")}}, act("auditor"))
			return err
		}},
		{"audit extra one", catalog.ErrInvalid, func() error {
			_, err := c.Audit(ctx, dRated, append(append([]catalog.AuditDecision(nil), approve...), catalog.AuditDecision{ProviderID: v3.ID, Approved: true, Hours: hoursOf("1")}), act("auditor"))
			return err
		}},
		{"audit repeated", catalog.ErrInvalid, func() error { _, err := c.Audit(ctx, dRated, append(approve, approve...), act("auditor")); return err }},
		{"audit bad hours", catalog.ErrInvalid, func() error {
			_, err := c.Audit(ctx, dRated, []catalog.AuditDecision{{ProviderID: v2.ID, Approved: true}}, act("auditor"))
			return err
		}},
		{"audit rejection without reason", catalog.ErrInvalid, func() error {
			_, err := c.Audit(ctx, dRated, []catalog.AuditDecision{{ProviderID: v2.ID, Reason: " \t"}}, act("auditor"))
			return err
		}},
		{"audit rejection with hours", catalog.ErrInvalid, func() error {
			_, err := c.Audit(ctx, dRated, []catalog.AuditDecision{{ProviderID: v2.ID, Reason: "未到场", Hours: hoursOf("1")}}, act("auditor"))
			return err
		}},
		{"audit bad act", catalog.ErrInvalid, func() error { _, err := c.Audit(ctx, dRated, approve, act("")); return err }},
		{"audit no demand", catalog.ErrNotFound, func() error { _, err := c.Audit(ctx, missing, approve, act("auditor")); return err }},
		{"audit in progress", catalog.ErrInvalidTransition, func() error { _, err := c.Audit(ctx, dWork.ID, approve, act("auditor")); return err }},
		{"audit audited", catalog.ErrInvalidTransition, func() error { _, err := c.Audit(ctx, dAudited, approve, act("auditor")); return err }},
		{"audit own work", catalog.ErrSelfReview, func() error { _, err := c.Audit(ctx, dRated, approve, act("v2")); return err }},
		{"audit stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Audit(ctx, dRated, approve, catalog.Act{Actor: "auditor", Version: 1})
			return err
		}},
		// MarkAwarded.
		{"mark bad actor", catalog.ErrInvalid, func() error { _, err := c.MarkAwarded(ctx, dAudited, v2.ID, ""); return err }},
		{"mark no demand", catalog.ErrNotFound, func() error { _, err := c.MarkAwarded(ctx, missing, v2.ID, "points"); return err }},
		{"mark no audit", catalog.ErrNotFound, func() error { _, err := c.MarkAwarded(ctx, dAudited, v3.ID, "points"); return err }},
		{"mark rejected of awarded", catalog.ErrInvalidTransition, func() error { _, err := c.MarkAwarded(ctx, dRejected, v2.ID, "points"); return err }},
		{"mark rated", catalog.ErrInvalidTransition, func() error { _, err := c.MarkAwarded(ctx, dRated, v2.ID, "points"); return err }},
		// Dispatch, Cancel and Submit beside them.
		{"dispatch none", catalog.ErrInvalid, func() error { _, err := c.Dispatch(ctx, dOpen.ID, nil, act("c")); return err }},
		{"dispatch repeated", catalog.ErrInvalid, func() error {
			_, err := c.Dispatch(ctx, dOpen.ID, []uuid.UUID{v2.ID, v2.ID}, act("c"))
			return err
		}},
		{"dispatch no provider", catalog.ErrNotFound, func() error { _, err := c.Dispatch(ctx, dOpen.ID, []uuid.UUID{missing}, act("c")); return err }},
		{"dispatch published", catalog.ErrInvalidTransition, func() error { _, err := c.Dispatch(ctx, dDue.ID, []uuid.UUID{v2.ID}, act("c")); return err }},
		{"dispatch requester", catalog.ErrSelfClaim, func() error { _, err := c.Dispatch(ctx, dOpen.ID, []uuid.UUID{self.ID}, act("c")); return err }},
		{"cancel no reason", catalog.ErrInvalid, func() error { _, err := c.Cancel(ctx, dPub.ID, catalog.Act{Actor: "c", Reason: "  "}); return err }},
		{"cancel completed", catalog.ErrInvalidTransition, func() error {
			_, err := c.Cancel(ctx, dDone, catalog.Act{Actor: "c", Reason: "不需要了"})
			return err
		}},
		{"cancel stale", catalog.ErrVersionConflict, func() error {
			_, err := c.Cancel(ctx, dPub.ID, catalog.Act{Actor: "c", Reason: "不需要了", Version: 1})
			return err
		}},
		{"submit open", catalog.ErrInvalidTransition, func() error { _, err := c.Submit(ctx, dOpen.ID, act("c")); return err }},
	}
	for _, tc := range cases {
		before := takeH80(t, c, ds, ps, bs)
		err := tc.call()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		assert.Equal(t, before, takeH80(t, c, ds, ps, bs), "%s changed the store", tc.name)
	}
}
