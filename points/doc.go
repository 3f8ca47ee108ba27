// Package points runs the points incentive (积分激励) and the time bank (时间银行) as schemes
// on package ledger: no balance is kept anywhere but in ledger postings.
package points
