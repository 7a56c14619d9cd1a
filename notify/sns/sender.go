// Package sns sends shipflow's SMS through Amazon SNS: a Publish straight to the customer's
// phone number with the AWS SDK for Go v2, as a transactional message from the configured
// sender ID or origination number. Credentials come from the SDK's standard chain
// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a shared profile, a web identity, an
// instance or task role). SNS reports an SMS's delivery only to CloudWatch Logs, which
// shipflow does not read: an SNS message stays "sent" in the notification log.
package sns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// Provider is the name of SNS in the notification log.
const Provider = "sns"

// The message attributes SNS reads for an SMS published to a phone number.
const (
	attrSMSType           = "AWS.SNS.SMS.SMSType"
	attrSenderID          = "AWS.SNS.SMS.SenderID"
	attrOriginationNumber = "AWS.MM.SMS.OriginationNumber"
	// smsTransactional is the type for messages a customer needs (order updates, codes): SNS
	// routes them for reliability rather than cost, and some countries accept only these.
	smsTransactional = "Transactional"
)

// Config holds the SNS_* settings. Its fields match config.SNS one for one, so
// sns.Config(cfg.SNS) converts them.
type Config struct {
	// Region is the AWS region SNS is called in, SNS_REGION; empty takes the SDK's own
	// (AWS_REGION, the shared config file).
	Region string
	// SenderID is the alphanumeric sender shown on the phone where the country allows one,
	// SNS_SENDER_ID.
	SenderID string
	// OriginationNumber is the number (E.164) or short code the SMS is sent from,
	// SNS_ORIGINATION_NUMBER.
	OriginationNumber string
	// EndpointURL replaces SNS's regional endpoint, SNS_ENDPOINT_URL: a stand-in's URL in tests
	// and dev. Empty for SNS itself.
	EndpointURL string
}

// Sender publishes SMS through SNS. It implements notify.Sender and is safe for concurrent use.
type Sender struct {
	cfg    Config
	client *awssns.Client
}

var _ notify.Sender = (*Sender)(nil)

// New checks cfg and returns a Sender whose requests take hc's timeout, and go through hc
// itself when it has a transport of its own (nil: the SDK's defaults). creds replaces the SDK's
// standard credential chain when not nil (tests); shipflow itself passes nil.
func New(ctx context.Context, cfg Config, hc *http.Client, creds aws.CredentialsProvider) (*Sender, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	if cfg.EndpointURL != "" {
		u, err := url.Parse(cfg.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("sns: SNS_ENDPOINT_URL %q is not an http(s) base URL", cfg.EndpointURL)
		}
	}
	opts := []func(*awsconfig.LoadOptions) error{
		// One attempt per activity attempt: Temporal's retry policy is the only one, so a
		// retry is seen in the log and bounded in one place.
		awsconfig.WithRetryMaxAttempts(1),
	}
	switch {
	case hc != nil && hc.Transport != nil:
		opts = append(opts, awsconfig.WithHTTPClient(hc))
	case hc != nil:
		// The SDK's own client keeps what the standard configuration adds to transports (a
		// CA bundle from AWS_CA_BUNDLE), which a plain *http.Client cannot take.
		opts = append(opts, awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(hc.Timeout)))
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if creds != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(creds))
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("sns: load AWS configuration: %w", err)
	}
	if ac.Region == "" {
		return nil, errors.New("sns: no AWS region: set SNS_REGION or AWS_REGION")
	}
	client := awssns.NewFromConfig(ac, func(o *awssns.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
	})
	return &Sender{cfg: cfg, client: client}, nil
}

// Send publishes m, an SMS, to its phone number and returns the MessageId SNS answered. A
// refusal that retrying cannot fix is a *notify.PermanentError carrying SNS's error code (an
// opted-out number also wraps notify.ErrOptedOut); anything else (throttling, 5xx, network,
// timeout) is a plain error to retry.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	what := fmt.Sprintf("sns: %s message %s", m.Channel, m.Key)
	in, err := s.input(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	out, err := s.client.Publish(ctx, in)
	if err != nil {
		return notify.Sent{}, classify(what, err)
	}
	if out.MessageId == nil || *out.MessageId == "" {
		return notify.Sent{}, fmt.Errorf("%s: SNS answered without a MessageId", what)
	}
	return notify.Sent{Provider: Provider, MessageID: *out.MessageId}, nil
}

// input translates m into a Publish to a phone number, or says why SNS could never accept it.
func (s *Sender) input(m notify.Message) (*awssns.PublishInput, error) {
	if m.Channel != order.ChannelSMS {
		return nil, fmt.Errorf("channel %q is not sent through SNS", m.Channel)
	}
	if !e164RE.MatchString(m.To) {
		return nil, errors.New("the recipient is not an E.164 phone number")
	}
	if m.Text == "" {
		return nil, errors.New("no text")
	}
	attrs := map[string]types.MessageAttributeValue{attrSMSType: str(smsTransactional)}
	if s.cfg.SenderID != "" {
		attrs[attrSenderID] = str(s.cfg.SenderID)
	}
	if s.cfg.OriginationNumber != "" {
		attrs[attrOriginationNumber] = str(s.cfg.OriginationNumber)
	}
	return &awssns.PublishInput{PhoneNumber: aws.String(m.To), Message: aws.String(m.Text), MessageAttributes: attrs}, nil
}

func str(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
