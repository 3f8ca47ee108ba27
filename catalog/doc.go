// Package catalog keeps the two lists (两单) of community governance: the demand list
// (需求清单) of what residents need and the resource list (资源清单) of who can help, plus the
// project list (项目清单), grids, the category taxonomy and the demand lifecycle.
//
// # Terms
//
// A [Demand] is one need. Its kind is a micro-wish (微心愿, [Wish]), a practical matter
// (微实事, [PracticalMatter]), a big item (大事项, [MajorItem]) or a funded micro-venture
// project (微创投, [Project], with a budget in yuan). It names its requester only by an opaque
// id and a display name ([RequesterRef]), where it is ([Location]: a [GridPath] and optional
// [Coordinates]), which skills it needs, how many providers (headcount, 多对一), the effort in
// minutes, when, priority flags for priority residents (重点人群: elderly living alone, disabled,
// hardship, children), urgency and deadline.
//
// A [Provider] is one resource: a volunteer, a micro-team (微团队, [Team]), a co-building unit
// (共建单位, [Unit], with functions such as legal aid or health) or a social organisation. It
// has skills, a home grid, a service area, a capacity of concurrent demands (一对多), weekly
// availability, flags (party member, in-service party member registered at the community
// 双报到, professional) and a rating.
//
// The grid (网格) tree runs street (街道) → community (社区) → grid (网格) → building (楼栋);
// a [GridPath] names a node and [GridPath.Distance] counts tree edges. Coordinates give a
// walking-distance estimate; the 15-minute life circle is about [FifteenMinuteCircleMeters].
//
// The [Taxonomy] is the category tree (Chinese names, English codes, skills, default effort,
// big-item flag, and the unit functions that serve each category). [DefaultTaxonomy] ships with
// the library; a community loads its own from JSON. A unit, team or social organisation with a
// function the taxonomy lists for a demand's category may claim it without the listed skills
// (职能分工); see [Taxonomy.Eligible].
//
// # Lifecycle
//
// A demand walks the closed loop 群众点单 → 社区派单/揭榜 → 党员接单 → 群众评单 → 社区审核:
//
//	Draft → Open → Published (on a Board, 揭榜) or Dispatched (派单 to named providers)
//	      → Claimed (some places taken) / Accepted (headcount met) → InProgress
//	      → Completed (hours recorded) → Rated (1–5) → Audited (审核) → Awarded (赋分)
//	      (the rating is optional: a demand its resident never rates is audited from Completed;
//	      an audit rejecting every provider goes straight to Awarded: nothing is left to award)
//	side exits: Cancelled (with a reason), Expired (deadline passed unclaimed);
//	a claim withdrawn before the start returns the demand to its board.
//
// [Transitions] is the table; every move is checked against it (an illegal one returns
// [ErrInvalidTransition] and changes nothing), records an [Event] with actor, time and reason,
// and bumps the demand's version, which the store checks on write (optimistic concurrency), so
// two operators never silently overwrite each other and fifty volunteers racing for one place
// produce exactly one claim. A [Board] (榜单) is a named, time-bounded list of published
// demands; providers claim (揭榜认领) from it while it is open. From a demand's deadline on, no
// one may publish, dispatch or claim it ([ErrDeadlinePassed]), even before [Catalog.ExpireDue]
// has moved it to Expired; claims it already has stand. An [Audit] per (demand,
// provider) is what the points scheme awards on; [Catalog.MarkAwarded] records the award once.
//
// # Shape
//
// [Catalog] holds every rule and drives a small [Store] that only persists and reads:
// catalog/memstore keeps everything in memory; catalog/sqlstore keeps it in SQLite or
// PostgreSQL; catalog/storetest is the conformance suite every store passes. Spreadsheets
// (台账) come in and go out as CSV ([Catalog.ImportDemands], [Catalog.ExportDemands]), all or
// nothing, with every bad cell reported in an [ImportError].
package catalog
