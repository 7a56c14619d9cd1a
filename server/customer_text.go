package server

import (
	"context"

	"github.com/shipflow/shipflow/notify"
)

// customerText is where every text a customer sends us arrives, whatever the channel
// (Twilio's SMS and WhatsApp, WhatsApp through Meta's Cloud API): from is the sender's E.164
// number, already checked by the route; text is what they wrote, read only against the
// keywords here (a two-way answer must check it before using it). A consent keyword (STOP, START)
// changes that channel's opt-out; any other text is acknowledged and, for now, left
// unanswered: answering it (two-way texts) plugs in here, on KeywordNone.
func (s *server) customerText(ctx context.Context, channel, from, text string) (notify.Keyword, error) {
	k, err := s.Notifications.Consent(ctx, channel, from, text)
	if err != nil {
		return k, err
	}
	switch k {
	case notify.KeywordStop:
		s.Logger.Info("customer opted out", "channel", channel, "from", notify.Mask(from))
	case notify.KeywordStart:
		s.Logger.Info("customer opted in", "channel", channel, "from", notify.Mask(from))
	}
	return k, nil
}
