package escalatetest

// Button is a link button or action a chat message offers.
type Button struct {
	Text  string
	URL   string
	Style string // Slack primary/danger, Teams positive/destructive, Google Chat "filled" when coloured
}

// Fact is a labelled value of a card: a Teams FactSet fact or a Google Chat decoratedText.
type Fact struct {
	Label string
	Value string
}
