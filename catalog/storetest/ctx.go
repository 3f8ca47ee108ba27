package storetest

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
)

// testEndedContext: every method of an open store, called with a context already cancelled,
// returns an error wrapping context.Canceled, as a database driver does, and Apply writes
// nothing. Callers such as exports page through reads and rely on that to stop.
func testEndedContext(t *testing.T, s catalog.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := uuid.New()
	checks := map[string]error{}
	_, checks["Demand"] = s.Demand(ctx, id)
	_, checks["Demands"] = s.Demands(ctx, catalog.DemandQuery{Limit: 10})
	_, checks["Provider"] = s.Provider(ctx, id)
	_, checks["Providers"] = s.Providers(ctx, catalog.ProviderQuery{Limit: 10})
	_, checks["Board"] = s.Board(ctx, id)
	_, checks["Boards"] = s.Boards(ctx, catalog.BoardQuery{Limit: 10})
	_, checks["BoardDemandCount"] = s.BoardDemandCount(ctx, id, 0)
	_, checks["Claims"] = s.Claims(ctx, id)
	_, checks["ProviderClaims"] = s.ProviderClaims(ctx, id, catalog.ClaimQuery{Limit: 10})
	_, checks["Audits"] = s.Audits(ctx, id)
	_, checks["Events"] = s.Events(ctx, id, 0, 10)
	checks["Apply"] = s.Apply(ctx, catalog.Change{})
	for name, err := range checks {
		assert.ErrorIs(t, err, context.Canceled, name)
	}
}
