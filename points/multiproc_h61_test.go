package points_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/internal/sqltest"
	"github.com/tongxin/tongxin/ledger"
	"github.com/tongxin/tongxin/ledger/sqlstore"
	"github.com/tongxin/tongxin/points"
)

// replica is one process of the service: its own connection pool, ledger and incentive, on
// the PostgreSQL ledger database every replica shares.
type replica struct {
	st  *sqlstore.Store
	l   *ledger.Ledger
	inc *points.Incentive
}

// replicas opens n replicas of scheme s on one fresh PostgreSQL schema, all reading the
// clock now. It skips the test unless TONGXIN_POSTGRES_DSN is set, e.g.
//
//	TONGXIN_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./points/ -run H61
func replicas(t *testing.T, n int, s points.Scheme, now func() time.Time) []*replica {
	t.Helper()
	dsn := sqltest.FreshSchema(t)
	rs := make([]*replica, n)
	for i := range rs {
		rs[i] = openReplica(t, dsn, s, now, nil)
	}
	return rs
}

// openReplica opens one replica of scheme s on the database at dsn, its store wrapped by
// wrap if not nil.
func openReplica(t *testing.T, dsn string, s points.Scheme, now func() time.Time, wrap func(ledger.Store) ledger.Store) *replica {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.WithMaxConns(4))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	var store ledger.Store = st
	if wrap != nil {
		store = wrap(st)
	}
	l, err := ledger.New(ctx, store, ledger.WithClock(now))
	require.NoError(t, err)
	inc, err := points.New(ctx, l, s)
	require.NoError(t, err)
	return &replica{st: st, l: l, inc: inc}
}

// h61Completion is an audited completion of one volunteer's hours on a demand of requester.
func h61Completion(volunteer catalog.Provider, requester string, hours string, at time.Time) points.Completion {
	d := catalog.Demand{
		ID: uuid.New(), Kind: catalog.Wish, Title: "上门理发", Category: "haircut",
		Requester: catalog.RequesterRef{ID: requester, Name: "王阿姨"}, Status: catalog.StatusAudited,
	}
	return points.Completion{Demand: d, Provider: volunteer, Audits: []catalog.Audit{{
		DemandID: d.ID, ProviderID: volunteer.ID, Approved: true, Hours: dec(hours), Auditor: "auditor-li", At: at,
	}}}
}

func volunteerOf(person string) catalog.Provider {
	return catalog.Provider{ID: uuid.New(), Kind: catalog.Volunteer, Name: "志愿者" + person, PersonID: person}
}

// uncapped is testScheme without caps: 20 base + 5 per hour for a haircut wish.
func uncapped() points.Scheme {
	s := testScheme()
	s.DailyCap, s.MonthlyCap = decimal.Zero, decimal.Zero
	return s
}

// fixedNow is a clock for replicas.
func fixedNow(c *clock) func() time.Time { return c.Now }

// sameBalance checks a holder's balance as every replica reads it.
func sameBalance(t *testing.T, rs []*replica, holder string, want string) {
	t.Helper()
	for i, r := range rs {
		b, err := r.inc.Balance(context.Background(), holder)
		require.NoError(t, err)
		require.Equal(t, want, b.String(), "replica %d balance of %s", i, holder)
	}
}
