// Package catalog keeps the two lists (两单) of community governance: the demand list
// (需求清单) of what residents need and the resource list (资源清单) of who can help, plus the
// project list (项目清单), grids, the category taxonomy and the demand lifecycle.
package catalog
