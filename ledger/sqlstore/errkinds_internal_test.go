package sqlstore

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/ledger"
)

// TestLedgerErrsCoverEveryKind fails when ledger/errors.go gains an error kind that
// ledgerErrs (kept by hand) does not match: ctxErr would take a verdict of that kind for a
// database failure and add the context's error to it.
func TestLedgerErrsCoverEveryKind(t *testing.T) {
	known := map[string]error{
		"ErrInvalid": ledger.ErrInvalid, "ErrInvalidAmount": ledger.ErrInvalidAmount,
		"ErrUnknownAsset": ledger.ErrUnknownAsset, "ErrUnknownAccount": ledger.ErrUnknownAccount,
		"ErrAssetMismatch": ledger.ErrAssetMismatch, "ErrInsufficientBalance": ledger.ErrInsufficientBalance,
		"ErrAboveMaxBalance": ledger.ErrAboveMaxBalance, "ErrIdempotencyConflict": ledger.ErrIdempotencyConflict,
		"ErrAlreadyReversed": ledger.ErrAlreadyReversed, "ErrConflict": ledger.ErrConflict,
		"ErrHoldClosed": ledger.ErrHoldClosed, "ErrNotFound": ledger.ErrNotFound,
		"ErrClosed": ledger.ErrClosed, "ErrCorrupt": ledger.ErrCorrupt,
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, id := range vs.Names {
				if strings.HasPrefix(id.Name, "Err") {
					names = append(names, id.Name)
				}
			}
		}
		return true
	})
	if len(names) == 0 {
		t.Fatal("no Err variables found in ledger/errors.go")
	}
	for _, name := range names {
		kind, ok := known[name]
		if !ok {
			t.Errorf("ledger.%s is new: add it to this test's map and, unless it wraps one already there, to ledgerErrs", name)
			continue
		}
		covered := false
		for _, e := range ledgerErrs {
			covered = covered || errors.Is(kind, e)
		}
		if !covered {
			t.Errorf("ledger.%s wraps none of ledgerErrs: ctxErr would treat it as a database failure", name)
		}
	}
}
