package sns

import (
	"errors"
	"fmt"
	"regexp"
)

var (
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortRE    = regexp.MustCompile(`^[0-9]{3,8}$`)
	senderIDRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,11}$`)
	letterRE   = regexp.MustCompile(`[A-Za-z]`)
	regionRE   = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+){1,3}-[0-9]{1,2}$`)
)

// CheckRegion accepts an AWS region name such as eu-west-1, or "" for the SDK's own.
func CheckRegion(v string) error {
	if v != "" && !regionRE.MatchString(v) {
		return fmt.Errorf("%q is not an AWS region name such as eu-west-1", v)
	}
	return nil
}

// CheckSenderID accepts SNS's alphanumeric sender ID (1 to 11 letters, digits or hyphens, at
// least one letter), or "" for none.
func CheckSenderID(v string) error {
	if v != "" && (!senderIDRE.MatchString(v) || !letterRE.MatchString(v)) {
		return fmt.Errorf("%q must be 1 to 11 letters, digits or hyphens, with at least one letter", v)
	}
	return nil
}

// CheckOriginationNumber accepts an E.164 number or a short code, or "" for none.
func CheckOriginationNumber(v string) error {
	if v != "" && !e164RE.MatchString(v) && !shortRE.MatchString(v) {
		return fmt.Errorf("%q is neither an E.164 number nor a short code", v)
	}
	return nil
}

// check says what in cfg SNS could never accept.
func (cfg Config) check() error {
	return errors.Join(
		prefix("SNS_REGION", CheckRegion(cfg.Region)),
		prefix("SNS_SENDER_ID", CheckSenderID(cfg.SenderID)),
		prefix("SNS_ORIGINATION_NUMBER", CheckOriginationNumber(cfg.OriginationNumber)),
	)
}

func prefix(name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
