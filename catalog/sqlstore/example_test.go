package sqlstore_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/tongxin/tongxin/catalog"
	"github.com/tongxin/tongxin/catalog/sqlstore"
)

// A community keeps its demand list in one SQLite file (here in memory): import the
// spreadsheet, then list the open wishes of one community by category.
func ExampleOpenSQLite() {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	c, err := catalog.New(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	sheet := "类型,标题,类别,居民编号,网格\n" +
		"微心愿,上门理发,haircut,r001,幸福街道/阳光社区/1网格/3栋\n" +
		"微心愿,修水龙头,repair,r002,幸福街道/阳光社区/2网格\n" +
		"微心愿,上门理发,haircut,r003,幸福街道/和平社区/1网格\n"
	if _, err := c.ImportDemands(ctx, strings.NewReader(sheet), "operator"); err != nil {
		fmt.Println(err)
		return
	}
	page, err := c.Demands(ctx, catalog.DemandQuery{
		Statuses: catalog.OpenStatuses, Grid: "幸福街道/阳光社区", Categories: []string{"haircut"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range page.Demands {
		fmt.Println(d.Title, d.Location.Grid, d.Status)
	}
	// Output:
	// 上门理发 幸福街道/阳光社区/1网格/3栋 open
}
