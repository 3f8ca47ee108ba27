package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tongxin/tongxin/catalog"
)

func TestDefaultTaxonomy(t *testing.T) {
	tax := catalog.DefaultTaxonomy()
	for _, code := range []string{"repair", "haircut", "legal", "health", "elderly_visit", "elderly_meal", "tutoring",
		"childcare", "cleaning", "culture_sport", "job_training", "goods"} {
		c, ok := tax.Category(code)
		require.True(t, ok, code)
		assert.NotEmpty(t, c.Name)
		assert.NotEmpty(t, c.Skills)
		assert.Positive(t, c.DefaultMinutes)
	}
	big, ok := tax.Category("renovation")
	require.True(t, ok)
	assert.True(t, big.BigItem)
	assert.True(t, tax.Within("repair_electric", "repair"))
	assert.False(t, tax.Within("haircut", "repair"))

	data, err := json.Marshal(tax)
	require.NoError(t, err)
	back, err := catalog.ParseTaxonomy(data)
	require.NoError(t, err)
	assert.Equal(t, tax.Categories(), back.Categories(), "JSON round trip")
}

func TestLoadTaxonomy(t *testing.T) {
	ok := `[{"code":"garden","name":"园艺","skills":["gardening"],"default_minutes":60},
	        {"code":"trees","name":"修剪","parent":"garden","skills":["gardening"],"default_minutes":90}]`
	tax, err := catalog.LoadTaxonomy(strings.NewReader(ok))
	require.NoError(t, err)
	assert.Len(t, tax.Categories(), 2)

	bad := map[string]string{
		"not JSON":       `{`,
		"empty":          `[]`,
		"bad code":       `[{"code":"Garden","name":"x"}]`,
		"repeated":       `[{"code":"a","name":"x"},{"code":"a","name":"y"}]`,
		"no name":        `[{"code":"a"}]`,
		"unknown parent": `[{"code":"a","name":"x","parent":"b"}]`,
		"cycle":          `[{"code":"a","name":"x","parent":"b"},{"code":"b","name":"y","parent":"a"}]`,
		"bad skill":      `[{"code":"a","name":"x","skills":["Bad Skill"]}]`,
		"minutes":        `[{"code":"a","name":"x","default_minutes":-1}]`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.LoadTaxonomy(strings.NewReader(in))
			assert.ErrorIs(t, err, catalog.ErrInvalid)
		})
	}
}

func TestAvailability(t *testing.T) {
	a, err := catalog.ParseAvailability("mon 9-12; 周六 8-18、sun 0-24")
	require.NoError(t, err)
	assert.Equal(t, 3+10+24, a.Hours())
	assert.Equal(t, "sun 0-24; mon 9-12; sat 8-18", a.String())
	back, err := catalog.ParseAvailability(a.String())
	require.NoError(t, err)
	assert.Equal(t, a, back)
	any, err := catalog.ParseAvailability("")
	require.NoError(t, err)
	assert.True(t, any.IsZero())
	for _, bad := range []string{"mon", "funday 1-2", "mon 5-3", "mon 0-25", "mon a-b"} {
		_, err := catalog.ParseAvailability(bad)
		assert.ErrorIs(t, err, catalog.ErrInvalid, bad)
	}
}
