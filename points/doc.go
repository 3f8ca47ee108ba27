// Package points runs the points incentive (积分激励) and the time bank (时间银行) as schemes
// on package ledger: no balance is kept anywhere but in ledger postings, and every report
// (leaderboards, service records, statements, settlements, expiry) is computed from them.
//
// # Terms
//
//   - Scheme: one community's (or street's) rule table for points: base points per category
//     and demand kind, points per audited hour, multipliers for urgent items (急事), priority
//     residents (重点人群) and big items, the hours credited per activity at most, caps per
//     provider per day and per month, how several providers share a demand's base points, and
//     whether a micro-team's (微团队) points go to the team or its members. Build it in Go or
//     load it from JSON (ParseScheme).
//   - Holder: whoever owns points or hours: a resident (PersonHolder of their opaque id, so the
//     same person has one account whether they serve or are served) or an organisation
//     (ProviderHolder). Each holder has one account per asset, named by the scheme's Naming.
//   - Award (审核赋分): the points for one provider's approved, audited part in a demand, posted
//     once under AwardKey(demand, provider). Because the key is derived from the demand and the
//     provider, a retry, a crash between posting and catalog.MarkAwarded, or two auditors at
//     once yield one posting; AwardAudited always posts first and marks second, so a retry
//     repairs a crash in between.
//   - Caps: per provider per day and per month, kept in cap accounts (asset PTS_CAP) whose
//     minimum balance is minus the cap. Every award also posts its points out of the day's and
//     month's cap accounts, so the ledger refuses an award over a cap atomically, even when
//     several processes award at once.
//   - Points shop (积分超市 / 爱心超市): Redeem reserves the points (ledger.Hold) and the item,
//     Fulfil captures both, Cancel releases both. Stock is kept as ledger accounts of the
//     asset STOCK, one per item, with a minimum balance of zero: holds count against it, so
//     stock can never go below zero under any concurrency, and the stock persists with the
//     ledger (a SQL store keeps it across restarts) at no extra cost. Prices stay in memory,
//     set by AddItem, because they are configuration, not value. A redemption key gives one
//     redemption whatever the retries; a refusal (no stock, too few points) leaves it free.
//   - Expiry (积分清零): points are valid for ValidityMonths. Expire reads every posting once
//     (ledger.Scan), treats each amount a holder received as a lot dated by its effective
//     time, lets everything the holder spent consume the oldest lots first, and moves what is
//     left of lots past their validity to the expiry account; idempotent per day of asOf.
//     ExpireAll does the same for several schemes of one ledger (a district's communities at
//     year end) from one read of the ledger, with the postings and keys of Expire run on each.
//   - Clawback (追回): an award found fraudulent is reversed (ledger.Reverse). If the holder
//     spent some of it, what is there is taken back and the rest is recorded in the holder's
//     debt account; later awards pay the debt off before anything reaches the holder. The
//     ledger's Reverse takes no memo or metadata, so a full reversal does not carry the
//     reason (only a partial clawback's transaction does); reports recognise a reversal by its
//     Reverses field and map it back to the award.
//   - Leaderboard (积分排行, used for 评优) and service record (志愿服务记录, the basis of a
//     volunteer-service certificate 志愿服务记录证明): computed from award metadata in one pass.
//     A leaderboard ranks one asset's awards (LeaderboardQuery.Asset, read from the award's
//     postings): points of two schemes on one ledger are never added up.
//   - Time bank (时间银行): asset HOUR; one audited hour served is one hour deposited from the
//     bank's pool (or, in reciprocal mode, paid by the resident served). Members withdraw hours
//     back to the pool when they are served, if the WithdrawPolicy allows (e.g. age 65+, 60+ in
//     hardship); give hours to family (转赠) with the relationship recorded and limits per gift
//     and per year; store at most StorageCap hours, the rest going to the donation account
//     (the cap is each member account's ledger MaxBalance); and use hours in another community
//     (通存通兑) through a pair of clearing accounts whose balances Settlement reports as each
//     pair's net.
//
// # Metadata
//
// Every transaction the package posts carries its kind and its domain identity in metadata
// (MetaKind, MetaDemand, MetaProvider, MetaHours, ...), so statements and reports need nothing
// but the ledger. An award carries only what leaderboards, statements and service records
// read: kind, community, demand, provider, holder, category, title, credited hours, points,
// audit time and auditor, plus the audited hours when the per-activity maximum cut them
// (every entry costs each award its validation, hashing and storage in the ledger).
//
// # Concurrency and crashes
//
// Every effect is guarded by an idempotency key derived from the domain identity (award,
// deposit, withdrawal, redemption, gift, clawback, an account's expiry in a period) or by a
// balance limit the ledger enforces under its own lock (caps, stock, holders' balances,
// debts, the time bank's storage cap), so several processes may share one ledger. A retry
// whose postings differ from the first attempt's only because balances moved meanwhile (a
// debt paid off, a storage-cap split) is answered with the first transaction
// (ledger.TransactionByKey); so is an award retried after its scheme's rates changed, with
// the points that were posted. Expire runs of one scheme and period that race each other
// expire each holder account once (the expiry key is per account), but each does the whole
// work: schedule one job per scheme.
//
// # Storage cap of accounts opened by earlier versions
//
// Earlier versions opened member HOUR accounts without a MaxBalance and kept the cap by
// serialising credits inside one process. Such an account still works: the time bank sees
// that it exists with no maximum and serialises that member's credits in-process as before,
// which holds the cap only while one process credits the member. To give those accounts the
// ledger's cap (the ledger cannot change an account's definition), stop the time-bank
// processes and set the maximum in the store, in minor units (StorageCap × 10^Scale), e.g.
// on ledger/sqlstore for community c01, HOUR at scale 2 and a cap of 1,500 h:
//
//	UPDATE accounts SET max_balance = 150000
//	WHERE asset = 'HOUR' AND id LIKE 'community:c01:member:%' AND max_balance IS NULL;
//
// (adapt the pattern to the bank's Naming). An account already above the cap keeps its hours
// and takes no more until it is below. memstore keeps nothing across restarts, so it needs no
// migration. A bank whose StorageCap differs from the maximum a member account was opened
// with is refused with ErrInvalidScheme when it credits that member: a cap change needs the
// same update.
package points
