package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"unicode"
	"unicode/utf8"
)

// Skill is a code for something a provider can do and a demand needs: "repair_electric",
// "haircut", "legal_advice". Codes match ^[a-z][a-z0-9_]{0,31}$ so they are the same in
// every spreadsheet and every database.
type Skill string

var skillPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate checks the skill code's form.
//
// Errors: ErrInvalid.
func (s Skill) Validate() error {
	if !skillPattern.MatchString(string(s)) {
		return errorf(ErrInvalid, "skill %q: want ^[a-z][a-z0-9_]{0,31}$", s)
	}
	return nil
}

// Limits on the taxonomy and on skill lists.
const (
	CategoriesMax     = 1024 // categories in one taxonomy
	SkillsMax         = 16   // skills on one demand, provider or category
	TaxonomyBytesMax  = 1 << 20
	categoryNameMax   = 128 // bytes
	DefaultMinutesMax = 7 * 24 * 60
)

// Category is one node of the demand taxonomy (需求分类): what kind of help a demand asks for.
type Category struct {
	Code   string  `json:"code"`             // English code, same pattern as a Skill: "repair"
	Name   string  `json:"name"`             // Chinese name shown to residents: "维修"
	NameEN string  `json:"name_en"`          // English name
	Parent string  `json:"parent,omitempty"` // parent category's code; "" for a top-level one
	Skills []Skill `json:"skills"`           // the skills a provider needs; a demand's default
	// DefaultMinutes is the usual effort in minutes, used when a demand gives none.
	DefaultMinutes int `json:"default_minutes"`
	// BigItem marks items too large for one volunteer (大事项): routed to units by function.
	BigItem bool `json:"big_item"`
	// Functions lists the unit functions (职能) that serve the category: a unit, team or
	// social organisation with one of them may claim its demands without the listed skills
	// (职能分工), and matching routes big items to units by them.
	Functions []Function `json:"functions,omitempty"`
}

// Taxonomy is a tree of categories. A community may replace the default with its own loaded
// from JSON. A Taxonomy is immutable once built, so it is safe to share.
type Taxonomy struct {
	categories []Category
	byCode     map[string]int
}

//go:embed taxonomy_default.json
var defaultTaxonomyJSON []byte

var defaultTaxonomy = func() *Taxonomy {
	t, err := ParseTaxonomy(defaultTaxonomyJSON)
	if err != nil {
		panic("catalog: default taxonomy is invalid: " + err.Error()) // a build defect, not input
	}
	return t
}()

// DefaultTaxonomy returns the taxonomy shipped with the library: repairs, haircuts, legal
// advice, health checks, elderly care visits and meals, tutoring and childcare, cleaning and
// environment, culture and sport, job training, goods, and the big-item categories.
func DefaultTaxonomy() *Taxonomy { return defaultTaxonomy }

// NewTaxonomy validates categories and builds a taxonomy from them.
//
// Errors: ErrInvalid if there are no categories or more than CategoriesMax, a code is malformed
// or repeated, a name is empty, too long, not UTF-8 or holds a control character, a parent is
// unknown or the parents form a cycle, a skill or function is malformed, there are more than
// SkillsMax skills or FunctionsMax functions, or DefaultMinutes is out of 0..DefaultMinutesMax.
func NewTaxonomy(categories []Category) (*Taxonomy, error) {
	if len(categories) == 0 || len(categories) > CategoriesMax {
		return nil, errorf(ErrInvalid, "taxonomy: %d categories, want 1..%d", len(categories), CategoriesMax)
	}
	t := &Taxonomy{categories: make([]Category, len(categories)), byCode: make(map[string]int, len(categories))}
	for i, c := range categories {
		if !skillPattern.MatchString(c.Code) {
			return nil, errorf(ErrInvalid, "taxonomy: category code %q", c.Code)
		}
		if _, dup := t.byCode[c.Code]; dup {
			return nil, errorf(ErrInvalid, "taxonomy: category %q repeated", c.Code)
		}
		if c.Name == "" || len(c.Name) > categoryNameMax || len(c.NameEN) > categoryNameMax {
			return nil, errorf(ErrInvalid, "taxonomy: category %q: name empty or too long", c.Code)
		}
		// Its JSON would write U+FFFD for a byte that is not UTF-8, so the taxonomy would not
		// read back from it; a control character has no place in a one-line name.
		if !printableName(c.Name) || !printableName(c.NameEN) {
			return nil, errorf(ErrInvalid, "taxonomy: category %q: name %q / %q not UTF-8 or holds a control character", c.Code, c.Name, c.NameEN)
		}
		if len(c.Skills) > SkillsMax {
			return nil, errorf(ErrInvalid, "taxonomy: category %q: %d skills, max %d", c.Code, len(c.Skills), SkillsMax)
		}
		// checkSkills also refuses a repeat, which CreateDemand would refuse in the default skills.
		if err := checkSkills(c.Skills); err != nil {
			return nil, fmt.Errorf("taxonomy: category %q: %w", c.Code, err)
		}
		if len(c.Functions) > FunctionsMax {
			return nil, errorf(ErrInvalid, "taxonomy: category %q: %d functions, max %d", c.Code, len(c.Functions), FunctionsMax)
		}
		for _, f := range c.Functions {
			if err := Skill(f).Validate(); err != nil {
				return nil, errorf(ErrInvalid, "taxonomy: category %q: function %q", c.Code, f)
			}
		}
		if c.DefaultMinutes < 0 || c.DefaultMinutes > DefaultMinutesMax {
			return nil, errorf(ErrInvalid, "taxonomy: category %q: default minutes %d", c.Code, c.DefaultMinutes)
		}
		c.Skills = append([]Skill(nil), c.Skills...)
		c.Functions = cloneSlice(c.Functions)
		t.categories[i] = c
		t.byCode[c.Code] = i
	}
	for _, c := range t.categories {
		// Walk up at most len(categories) steps: a longer walk means a cycle.
		p := c.Parent
		for steps := 0; p != ""; steps++ {
			j, ok := t.byCode[p]
			if !ok {
				return nil, errorf(ErrInvalid, "taxonomy: category %q: unknown parent %q", c.Code, p)
			}
			if steps >= len(t.categories) {
				return nil, errorf(ErrInvalid, "taxonomy: category %q: parent cycle", c.Code)
			}
			p = t.categories[j].Parent
		}
	}
	return t, nil
}

func printableName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// ParseTaxonomy reads a JSON array of categories (the shape of Category's JSON tags).
//
// Errors: ErrInvalid for malformed JSON, unknown fields, more than TaxonomyBytesMax bytes, or
// any reason NewTaxonomy gives.
func ParseTaxonomy(data []byte) (*Taxonomy, error) {
	if len(data) > TaxonomyBytesMax {
		return nil, errorf(ErrInvalid, "taxonomy: %d bytes, max %d", len(data), TaxonomyBytesMax)
	}
	var cs []Category
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt field would silently drop what it meant
	if err := dec.Decode(&cs); err != nil {
		return nil, errorf(ErrInvalid, "taxonomy JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(ErrInvalid, "taxonomy JSON: data after the array")
	}
	return NewTaxonomy(cs)
}

// LoadTaxonomy reads a JSON taxonomy from r (at most TaxonomyBytesMax bytes).
//
// Errors: ErrInvalid as for ParseTaxonomy, or when reading r fails.
func LoadTaxonomy(r io.Reader) (*Taxonomy, error) {
	data, err := io.ReadAll(io.LimitReader(r, TaxonomyBytesMax+1))
	if err != nil {
		return nil, errorf(ErrInvalid, "taxonomy: read: %v", err)
	}
	return ParseTaxonomy(data)
}

// Category returns the category with the given code.
func (t *Taxonomy) Category(code string) (Category, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Category{}, false
	}
	c := t.categories[i]
	c.Skills = append([]Skill(nil), c.Skills...)
	c.Functions = cloneSlice(c.Functions)
	return c, true
}

// Categories returns every category in code order.
func (t *Taxonomy) Categories() []Category {
	out := make([]Category, 0, len(t.categories))
	for _, c := range t.categories {
		c.Skills = append([]Skill(nil), c.Skills...)
		c.Functions = cloneSlice(c.Functions)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Within reports whether category code lies in the subtree of ancestor (itself included).
func (t *Taxonomy) Within(code, ancestor string) bool {
	for steps := 0; code != "" && steps <= len(t.categories); steps++ {
		if code == ancestor {
			return true
		}
		i, ok := t.byCode[code]
		if !ok {
			return false
		}
		code = t.categories[i].Parent
	}
	return false
}

// MarshalJSON writes the taxonomy as ParseTaxonomy reads it.
func (t *Taxonomy) MarshalJSON() ([]byte, error) { return json.Marshal(t.Categories()) }
