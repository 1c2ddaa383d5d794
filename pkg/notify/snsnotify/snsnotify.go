// Package snsnotify delivers notices through Amazon SNS: one Publish per
// notice to a topic, with message attributes that subscriptions filter on
// (the SMS sender on "phone", the app push on "to", supervisors' e-mail on
// "kind"). It is kept apart from package notify so that only the functions
// that send notices link the SNS client.
//
// It is tested against a local HTTP double that speaks the SNS query
// protocol, not against a real SNS endpoint.
package snsnotify

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// Publisher is the part of *sns.Client the notifier uses.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Notifier publishes notices to TopicARN.
type Notifier struct {
	Client   Publisher
	TopicARN string
}

var _ notify.Notifier = (*Notifier)(nil)

// Input returns the Publish request for n: the message is the notice as
// one SMS-sized text, the subject its subject (for e-mail subscriptions),
// and the attributes identify recipient, kind and what it is about. On a
// FIFO topic the notice id is the deduplication id, so a retried delivery is
// not delivered twice.
func (s *Notifier) Input(n notify.Notice) *sns.PublishInput {
	in := &sns.PublishInput{
		TopicArn:          aws.String(s.TopicARN),
		Message:           aws.String(n.Text()),
		MessageAttributes: map[string]types.MessageAttributeValue{},
	}
	if subj := subject(n.Subject); subj != "" {
		in.Subject = aws.String(subj)
	}
	for k, v := range map[string]string{
		"noticeId": n.ID, "to": n.To, "kind": n.Kind, "phone": n.Phone, "unit": n.Unit,
		"caseId": n.CaseID, "applicationId": n.ApplicationID, "complaintId": n.ComplaintID,
		"opinionId": n.OpinionID, "decisionId": n.DecisionID,
	} {
		if v != "" { // SNS rejects empty attribute values
			in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if strings.HasSuffix(s.TopicARN, ".fifo") {
		in.MessageGroupId = aws.String(groupID(n.To))
		in.MessageDeduplicationId = aws.String(groupID(n.ID))
	}
	return in
}

// Deliver publishes n.
func (s *Notifier) Deliver(ctx context.Context, n notify.Notice) error {
	if s.TopicARN == "" {
		return fmt.Errorf("snsnotify: no topic ARN configured")
	}
	if _, err := s.Client.Publish(ctx, s.Input(n)); err != nil {
		return fmt.Errorf("snsnotify: publish notice %s: %w", n.ID, err)
	}
	return nil
}

// subject makes an SNS subject: no line breaks or control characters, fewer
// than 100 characters.
func subject(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > 99 {
		s = string([]rune(s)[:98]) + "…"
	}
	return s
}

// groupID keeps the characters SNS allows in group and deduplication ids
// (alphanumerics and punctuation), at most 128.
func groupID(s string) string {
	s = strings.Map(func(r rune) rune {
		if r > 0x20 && r < 0x7f {
			return r
		}
		return '_'
	}, s)
	if len(s) > 128 {
		s = s[:128]
	}
	return s
}
