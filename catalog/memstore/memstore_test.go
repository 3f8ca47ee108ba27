package memstore_test

import (
	"testing"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/catalog/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store { return memstore.New() })
}
