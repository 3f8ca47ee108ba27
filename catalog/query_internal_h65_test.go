package catalog

import (
	"errors"
	"testing"
)

// DemandQuery.validate refuses the enum values no stored demand can have and passes the rest;
// Demands (catalog.go) is to call it.
func TestDemandQueryValidate(t *testing.T) {
	for name, q := range map[string]DemandQuery{
		"kind": {Kind: Project + 1}, "kind 255": {Kind: 255}, "priority": {Priority: 1 << 7},
		"status bit 0": {Statuses: 1}, "status past the last": {Statuses: 1 << statusCount},
		"status bit 15": {Statuses: 1 << 15}, "status mixed": {Statuses: OpenStatuses | 1<<15},
	} {
		if err := q.validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	all := DemandQuery{Kind: Project, Priority: priorityAll, Statuses: Statuses(StatusDraft, StatusAwarded, StatusExpired)}
	for s := StatusDraft; s < statusCount; s++ {
		all.Statuses |= Statuses(s)
	}
	for _, q := range []DemandQuery{{}, {Kind: Wish}, all} {
		if err := q.validate(); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
}
