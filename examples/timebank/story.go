package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/tongxin/tongxin/catalog"
	catalogmem "github.com/tongxin/tongxin/catalog/memstore"
	"github.com/tongxin/tongxin/ledger"
	ledgermem "github.com/tongxin/tongxin/ledger/memstore"
	"github.com/tongxin/tongxin/points"
)

// The demo banks' rules. A real bank's storage cap is larger (1,500 hours is common); a small
// one lets the story reach it.
const (
	storageCapHours = 20
	giftMaxHours    = 5
	giftYearMax     = 10
	withdrawAge     = 65 // AgePolicy: hours saved while young are spent from 65,
	hardshipAge     = 60 // or from 60 in hardship
)

// result is what the story did, for the test to check.
type result struct {
	served       decimal.Decimal // audited hours of every service in the story
	deposited    decimal.Decimal
	donated      decimal.Decimal
	withdrawn    decimal.Decimal
	refused      int
	gifted       decimal.Decimal
	giftsRefused int
	settlement   []points.PairNet
	verified     bool
}

type resident struct {
	id, name  string
	age       int
	hardship  bool
	community int
}

func (r resident) holder() string { return points.PersonHolder(r.id) }

func (r resident) member() points.Member {
	return points.Member{Holder: r.holder(), Age: r.age, Hardship: r.hardship}
}

type story struct {
	ctx   context.Context
	out   io.Writer
	now   time.Time
	ids   uint64
	cat   *catalog.Catalog
	led   *ledger.Ledger
	banks []*points.TimeBank
	names []string
	paths []catalog.GridPath
	provs map[string]catalog.Provider // by resident id
	res   result
}

func (s *story) clock() time.Time { return s.now }

func (s *story) newID() uuid.UUID {
	s.ids++
	var u uuid.UUID
	u[6], u[8] = 0x70, 0x80
	for i := 0; i < 8; i++ {
		u[15-i] = byte(s.ids >> (8 * i))
	}
	return u
}

func (s *story) say(format string, a ...any) { fmt.Fprintf(s.out, format+"\n", a...) }

func (s *story) step(n int, zh, en string) {
	s.say("")
	s.say("%d. %s %s (%s)", n, s.now.Format("2006-01-02"), zh, en)
}

var (
	xiaoLi   = resident{id: "r-xiaoli", name: "小李", age: 32, community: 0}
	laoZhou  = resident{id: "r-laozhou", name: "老周", age: 67, community: 0}
	wangAyi  = resident{id: "r-wang", name: "王阿姨", age: 58, community: 0}
	liNainai = resident{id: "r-linainai", name: "李奶奶", age: 74, community: 1} // 小李's mother, in the other community
	chenShi  = resident{id: "r-chen", name: "陈师傅", age: 45, community: 1}
	laoSun   = resident{id: "r-laosun", name: "老孙", age: 71, community: 1}
)

func run(ctx context.Context, out io.Writer) (result, error) {
	s := &story{ctx: ctx, out: out, now: time.Date(2025, time.March, 3, 9, 0, 0, 0, catalog.ImportLocation), provs: map[string]catalog.Provider{}}
	err := s.tell()
	return s.res, err
}

func (s *story) tell() error {
	ctx := s.ctx
	var err error
	if s.cat, err = catalog.New(catalogmem.New(), catalog.WithNow(s.clock), catalog.WithIDs(s.newID)); err != nil {
		return err
	}
	if s.led, err = ledger.New(ctx, ledgermem.New(), ledger.WithClock(s.clock), ledger.WithIDs(s.newID)); err != nil {
		return err
	}
	for _, c := range []struct{ segment, name string }{{"yangguang", "阳光社区"}, {"heping", "和平社区"}} {
		bank, err := points.NewTimeBank(ctx, s.led, points.TimeBankConfig{
			Community:  c.segment,
			StorageCap: decimal.NewFromInt(storageCapHours),
			GiftMax:    decimal.NewFromInt(giftMaxHours), GiftYearMax: decimal.NewFromInt(giftYearMax),
			Policy: points.AgePolicy(withdrawAge, hardshipAge),
			Now:    s.clock,
		})
		if err != nil {
			return fmt.Errorf("time bank %s: %w", c.name, err)
		}
		p, err := catalog.NewGridPath("幸福街道", c.name)
		if err != nil {
			return err
		}
		s.banks = append(s.banks, bank)
		s.names = append(s.names, c.name)
		s.paths = append(s.paths, p)
	}
	for _, r := range []resident{xiaoLi, laoZhou, wangAyi, chenShi, laoSun} {
		p, err := s.cat.RegisterProvider(ctx, catalog.Provider{
			Kind: catalog.Volunteer, Name: r.name, PersonID: r.id, Home: s.paths[r.community], Capacity: 3,
			Skills: []catalog.Skill{"companionship", "repair_general", "repair_electric", "tutoring", "digital_literacy", "cleaning", "culture_sport"},
		}, "office")
		if err != nil {
			return err
		}
		s.provs[r.id] = p
	}
	s.say("Two communities' time banks 时间银行 on one ledger: %s and %s.", s.names[0], s.names[1])
	s.say("One audited hour served is one hour saved. Storage cap 存储上限 %d h; gifts 转赠 at most %d h each, %d h a year;",
		storageCapHours, giftMaxHours, giftYearMax)
	s.say("withdrawals 兑换服务 from age %d, or %d in hardship.", withdrawAge, hardshipAge)

	// Deposits (存入).
	s.step(1, "存入", "volunteers serve and the audited hours are deposited")
	h := decimal.RequireFromString
	if _, _, err := s.serve(xiaoLi, laoZhou, "教老人用智能手机 smartphone lessons", "digital_help", h("2")); err != nil {
		return err
	}
	if _, _, err := s.serve(xiaoLi, wangAyi, "修理灯具 fix a lamp", "repair_electric", h("1.5")); err != nil {
		return err
	}
	if _, _, err := s.serve(xiaoLi, wangAyi, "辅导孙子功课 tutoring her grandson", "tutoring", h("6")); err != nil {
		return err
	}
	if _, _, err := s.serve(wangAyi, laoZhou, "陪同就医 accompany to the clinic", "elderly_visit", h("3")); err != nil {
		return err
	}
	if _, _, err := s.serve(laoZhou, wangAyi, "上门探访 a home visit", "elderly_visit", h("4")); err != nil {
		return err
	}
	if err := s.balances(xiaoLi, laoZhou, wangAyi); err != nil {
		return err
	}

	// Withdrawals (兑换服务): refused by policy, then allowed.
	s.step(2, "兑换服务", "members spend saved hours on services they receive")
	visit, _, err := s.serve(laoZhou, wangAyi, "上门打扫 clean the flat", "cleaning", h("2"))
	if err != nil {
		return err
	}
	_, err = s.banks[0].Withdraw(ctx, points.Withdrawal{Member: wangAyi.member(), Hours: h("2"), DemandID: visit})
	var refusal *points.Refusal
	if !errors.Is(err, points.ErrWithdrawRefused) || !errors.As(err, &refusal) {
		return fmt.Errorf("withdrawal at 58: got %v, want ErrWithdrawRefused", err)
	}
	s.res.refused++
	s.say("   王阿姨 (58) asks to spend 2 h: refused 不符合条件 — %s", refusal.Reason)
	repair, _, err := s.serve(xiaoLi, laoZhou, "修理水管 fix a pipe", "repair_electric", h("1.5"))
	if err != nil {
		return err
	}
	rec, err := s.banks[0].Withdraw(ctx, points.Withdrawal{Member: laoZhou.member(), Hours: h("1.5"), DemandID: repair})
	if err != nil {
		return fmt.Errorf("withdrawal at 67: %w", err)
	}
	s.res.withdrawn = s.res.withdrawn.Add(rec.Hours)
	s.say("   老周 (67) spends %s h on 「修理水管 fix a pipe」: allowed 兑换成功", rec.Hours)
	if err := s.balances(laoZhou, wangAyi); err != nil {
		return err
	}

	// A gift to a parent (转赠), and one over the limit.
	s.now = s.now.AddDate(0, 0, 7)
	s.step(3, "转赠", "小李 gives hours to his mother 李奶奶")
	g, err := s.banks[0].Gift(ctx, points.Gift{Key: "xiaoli-mother-1", From: xiaoLi.holder(), To: liNainai.holder(), Hours: h("4"), Relationship: "parent"})
	if err != nil {
		return fmt.Errorf("gift: %w", err)
	}
	s.res.gifted = s.res.gifted.Add(g.Hours)
	s.say("   小李 → 李奶奶 (parent 父母): %s h", g.Hours)
	if _, err := s.banks[0].Gift(ctx, points.Gift{Key: "xiaoli-mother-2", From: xiaoLi.holder(), To: liNainai.holder(), Hours: h("6"), Relationship: "parent"}); errors.As(err, &refusal) && errors.Is(err, points.ErrOverCap) {
		s.res.giftsRefused++
		s.say("   小李 → 李奶奶 6 h more: refused 超出限额 — %s", refusal.Reason)
	} else {
		return fmt.Errorf("gift over the limit: got %v, want ErrOverCap", err)
	}
	if err := s.balances(xiaoLi, liNainai); err != nil {
		return err
	}

	// The storage cap (存储上限).
	s.now = s.now.AddDate(0, 0, 7)
	s.step(4, "存储上限", "hours over the cap are donated, never lost")
	_, dep, err := s.serve(laoZhou, wangAyi, "住院陪护两天 two days of hospital companionship", "elderly_visit", h("18"))
	if err != nil {
		return err
	}
	held, err := s.banks[0].Hours(ctx, laoZhou.holder())
	if err != nil {
		return err
	}
	donation, err := s.led.Balance(ctx, s.banks[0].DonationAccount())
	if err != nil {
		return err
	}
	s.say("   老周 now holds %s h (the cap); %s h went to the donation account 公益捐赠 (%s, balance %s h)",
		held, dep.Donated, s.banks[0].DonationAccount(), donation)

	// Inter-community exchange (通存通兑).
	s.now = s.now.AddDate(0, 0, 7)
	s.step(5, "通存通兑", "李奶奶 spends hours saved in 阳光社区 on a service in 和平社区")
	chat, _, err := s.serve(chenShi, liNainai, "周末陪聊 a weekend chat", "elderly_visit", h("2"))
	if err != nil {
		return err
	}
	rec, err = s.banks[0].Withdraw(ctx, points.Withdrawal{Member: liNainai.member(), Hours: h("2"), DemandID: chat, ServedBy: s.banks[1]})
	if err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	s.res.withdrawn = s.res.withdrawn.Add(rec.Hours)
	s.say("   李奶奶 (74) spends %s h from her 阳光社区 account; 和平社区's pool receives them through the clearing accounts", rec.Hours)
	// The other way: 老孙 of 和平社区 saved hours at home and is served in 阳光社区.
	if _, _, err := s.serve(laoSun, chenShi, "教下象棋 chess lessons", "culture_sport", h("3")); err != nil {
		return err
	}
	fix, _, err := s.serve(xiaoLi, laoSun, "修电脑 fix a computer", "digital_help", h("1"))
	if err != nil {
		return err
	}
	rec, err = s.banks[1].Withdraw(ctx, points.Withdrawal{Member: laoSun.member(), Hours: h("1"), DemandID: fix, ServedBy: s.banks[0]})
	if err != nil {
		return fmt.Errorf("exchange back: %w", err)
	}
	s.res.withdrawn = s.res.withdrawn.Add(rec.Hours)
	s.say("   老孙 (71) of 和平社区 spends %s h saved at home on a service in 阳光社区", rec.Hours)
	s.res.settlement, err = points.Settlement(ctx, s.banks)
	if err != nil {
		return fmt.Errorf("settlement: %w", err)
	}
	s.say("   settlement 结算 between the two banks:")
	for _, n := range s.res.settlement {
		a, b, hours := n.A, n.B, n.Hours
		if hours.IsNegative() {
			a, b, hours = b, a, hours.Neg()
		}
		s.say("     %s owes %s %s h net (李奶奶's 2 h one way, 老孙's 1 h the other)", s.bankName(a), s.bankName(b), hours)
	}

	// Statements (明细) and the ledger's own check.
	s.step(6, "明细", "李奶奶's statement")
	for cursor := ""; ; {
		st, err := s.banks[0].Statement(ctx, liNainai.holder(), cursor, 0)
		if err != nil {
			return err
		}
		for _, e := range st.Entries {
			note := e.Relationship // a gift's
			if e.ServedIn != "" {
				note = "served in " + s.bankName(e.ServedIn) // a withdrawal in another community
			}
			s.say("   %s %-8s %6s h  balance %5s h  %s", e.At.In(catalog.ImportLocation).Format("01-02"), e.Kind, e.Change.StringFixed(2), e.Balance.StringFixed(2), note)
		}
		if cursor = st.NextCursor; cursor == "" {
			break
		}
	}
	if err := s.led.Verify(ctx); err != nil {
		return fmt.Errorf("ledger verify: %w", err)
	}
	s.res.verified = true
	s.say("")
	s.say("Ledger Verify: OK. Deposited %s h (%s h donated over the cap), withdrawn %s h, gifted %s h; %d withdrawal and %d gift refused.",
		s.res.deposited.StringFixed(2), s.res.donated.StringFixed(2), s.res.withdrawn.StringFixed(2), s.res.gifted.StringFixed(2), s.res.refused, s.res.giftsRefused)
	return nil
}

// serve runs one demand through the closed loop: posted by the receiver, dispatched to the
// provider, accepted, done with the hours, rated and audited; then it deposits the provider's
// audited hours in the provider's bank (one hour served, one hour saved, whether or not the
// receiver pays for the service with hours of their own). It returns the demand's id.
func (s *story) serve(provider, receiver resident, title, category string, hours decimal.Decimal) (uuid.UUID, points.HoursReceipt, error) {
	ctx := s.ctx
	s.now = s.now.Add(3 * time.Hour)
	office := catalog.Act{Actor: "office"}
	p := s.provs[provider.id]
	d, err := s.cat.CreateDemand(ctx, catalog.Demand{
		Kind: catalog.Wish, Title: title, Category: category, Requester: catalog.RequesterRef{ID: receiver.id, Name: receiver.name},
		Location: catalog.Location{Grid: s.paths[receiver.community]}, Status: catalog.StatusOpen,
	}, "office")
	if err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: %w", title, err)
	}
	if _, err := s.cat.Dispatch(ctx, d.ID, []uuid.UUID{p.ID}, office); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: dispatch: %w", title, err)
	}
	if _, err := s.cat.Claim(ctx, d.ID, p.ID, catalog.Act{Actor: provider.id}); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: accept: %w", title, err)
	}
	if _, err := s.cat.Start(ctx, d.ID, office); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: start: %w", title, err)
	}
	if _, err := s.cat.Complete(ctx, d.ID, []catalog.WorkReport{{ProviderID: p.ID, Hours: hours}}, office); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: complete: %w", title, err)
	}
	if _, err := s.cat.Rate(ctx, d.ID, 5, "谢谢 thank you", catalog.Act{Actor: receiver.id}); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: rate: %w", title, err)
	}
	if _, err := s.cat.Audit(ctx, d.ID, []catalog.AuditDecision{{ProviderID: p.ID, Approved: true, Hours: hours}}, office); err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: audit: %w", title, err)
	}
	s.res.served = s.res.served.Add(hours)

	c, err := points.CompletionOf(ctx, s.cat, d.ID, p.ID)
	if err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: %w", title, err)
	}
	rec, err := s.banks[provider.community].Deposit(ctx, c)
	if err != nil {
		return uuid.Nil, points.HoursReceipt{}, fmt.Errorf("%s: deposit: %w", title, err)
	}
	s.res.deposited = s.res.deposited.Add(rec.Hours)
	s.res.donated = s.res.donated.Add(rec.Donated)
	note := ""
	if rec.Donated.IsPositive() {
		note = fmt.Sprintf(", of which %s h over the storage cap donated", rec.Donated)
	}
	s.say("   %s serves %s 「%s」: %s h deposited in %s%s", provider.name, receiver.name, title, rec.Hours, s.names[provider.community], note)
	return d.ID, rec, nil
}

func (s *story) balances(rs ...resident) error {
	var parts []string
	for _, r := range rs {
		h, err := s.banks[0].Hours(s.ctx, r.holder())
		if err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s %s h", r.name, h))
	}
	s.say("   balances 余额: %s", strings.Join(parts, "; "))
	return nil
}

func (s *story) bankName(segment string) string {
	for i, b := range s.banks {
		if b.Community() == segment {
			return s.names[i]
		}
	}
	return segment
}
