package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/memstore"
)

// FuzzDemandsCSVRoundTrip: what an import accepts, the export of the imported demands writes
// and a second import reads back field for field (FuzzParseDemandsCSV checks only that the
// parsed demands validate).
func FuzzDemandsCSVRoundTrip(f *testing.F) {
	f.Add([]byte(demandsZH))
	f.Add([]byte(demandsEN))
	f.Add([]byte("kind,title,category,requester_id,grid,lat,lng,window_start,window_end,budget,description\n" +
		"project,\" t \",renovation,r,s/c,31.2,121.5,2026-05-01 09:00:00.5,2026-05-01 09:00:00.5,\"1,000.5\",\"a\r\n b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		c, err := catalog.New(memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		first, err := c.ImportDemands(ctx, bytes.NewReader(data), "operator")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := c.ExportDemands(ctx, &buf, catalog.DemandQuery{}, catalog.CSVOptions{Chinese: len(data)%2 == 0}); err != nil {
			t.Fatalf("export: %v", err)
		}
		second, err := catalog.ParseDemandsCSV(bytes.NewReader(buf.Bytes()), nil)
		if err != nil {
			t.Fatalf("export does not read back: %v\n%s", err, buf.Bytes())
		}
		if len(second) != len(first) {
			t.Fatalf("%d demands imported, %d read back", len(first), len(second))
		}
		for i, a := range first {
			b := second[i]
			a.ID, a.Status, a.Version, a.CreatedAt, a.UpdatedAt = b.ID, b.Status, b.Version, b.CreatedAt, b.UpdatedAt
			if !a.Budget.Equal(b.Budget) {
				t.Fatalf("row %d: budget %s read back as %s", i, a.Budget, b.Budget)
			}
			a.Budget = b.Budget
			if !a.Window.Start.Equal(b.Window.Start) || !a.Window.End.Equal(b.Window.End) || !a.Deadline.Equal(b.Deadline) {
				t.Fatalf("row %d: times %v %v read back as %v %v", i, a.Window, a.Deadline, b.Window, b.Deadline)
			}
			a.Window, a.Deadline = b.Window, b.Deadline
			if len(a.Skills) == 0 && len(b.Skills) == 0 {
				a.Skills = b.Skills
			}
			ja, jb := demandString(a), demandString(b)
			if ja != jb {
				t.Fatalf("row %d:\nimported  %s\nread back %s", i, ja, jb)
			}
		}
	})
}

func demandString(d catalog.Demand) string { return fmt.Sprintf("%#v", d) }

// FuzzProvidersCSVRoundTrip: as FuzzDemandsCSVRoundTrip, for the resource list.
func FuzzProvidersCSVRoundTrip(f *testing.F) {
	f.Add([]byte("kind,name,home,capacity\nvolunteer,a,幸福街道,1\n"))
	f.Add([]byte("类型,名称,所属网格,服务容量,服务时间,成员,职能,服务范围,纬度,经度,标记\n" +
		"微团队,b,s/c,3,周一 9-12,m1:张 三；m2:李,legal_aid、health,s/c/1;s/d,31.25,121.5,党员|专业人员\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		c, err := catalog.New(memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		first, err := c.ImportProviders(ctx, bytes.NewReader(data), "operator")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := c.ExportProviders(ctx, &buf, catalog.ProviderQuery{}, catalog.CSVOptions{Chinese: len(data)%2 == 0}); err != nil {
			t.Fatalf("export: %v", err)
		}
		second, err := catalog.ParseProvidersCSV(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("export does not read back: %v\n%s", err, buf.Bytes())
		}
		if len(second) != len(first) {
			t.Fatalf("%d providers imported, %d read back", len(first), len(second))
		}
		for i, a := range first {
			b := second[i]
			a.ID, a.Version, a.CreatedAt, a.UpdatedAt = b.ID, b.Version, b.CreatedAt, b.UpdatedAt
			ja, jb := fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b)
			if ja != jb {
				t.Fatalf("row %d:\nimported  %s\nread back %s", i, ja, jb)
			}
		}
	})
}
