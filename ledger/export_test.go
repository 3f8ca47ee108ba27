package ledger

// CursorCheck lets the external tests write a statement cursor by hand, as a caller who read
// the format could.
var CursorCheck = cursorCheck

// JournalPage is how many transactions WriteJournal reads per store view.
const JournalPage = journalPage
