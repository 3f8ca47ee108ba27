package catalog_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tongxin/tongxin/catalog"
)

// TestValidateActor: ValidateActor refuses exactly what the catalog's moves refuse.
func TestValidateActor(t *testing.T) {
	for _, tc := range []struct {
		actor string
		ok    bool
	}{
		{"v1", true},
		{"社区书记", true},
		{strings.Repeat("a", catalog.ActorBytesMax), true},
		{"", false},
		{"v1 ", false},
		{" v1", false},
		{"v1\r\n", false},
		{strings.Repeat("a", catalog.ActorBytesMax+1), false},
		{"\xff", false},
	} {
		err := catalog.ValidateActor(tc.actor)
		if tc.ok {
			assert.NoError(t, err, "%q", tc.actor)
		} else {
			assert.ErrorIs(t, err, catalog.ErrInvalid, "%q", tc.actor)
		}
	}
}
