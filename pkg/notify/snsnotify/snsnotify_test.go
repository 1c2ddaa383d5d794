package snsnotify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

var notice = notify.Notice{ID: "decision-01abc-11101201910010001", To: "lawyer:11101201910010001", Phone: "13800000000",
	Kind: "decision.prosecution_filed", Subject: "程序性决定告知：提起公诉", Body: "案号 X，本院已提起公诉。",
	Unit: "市检察院", CaseID: "c1", DecisionID: "01abc", Contact: &casefile.Handler{Name: "刘检察官", Phone: "010-1"}}

func TestInput(t *testing.T) {
	n := &Notifier{TopicARN: "arn:aws:sns:cn-north-1:123456789012:yuejuan-notices"}
	in := n.Input(notice)
	if *in.TopicArn != n.TopicARN || *in.Message != "【程序性决定告知：提起公诉】案号 X，本院已提起公诉。 联系人：刘检察官 010-1" || *in.Subject != notice.Subject {
		t.Errorf("input %q %q", *in.Message, *in.Subject)
	}
	want := map[string]string{"noticeId": notice.ID, "to": notice.To, "kind": notice.Kind, "phone": notice.Phone, "unit": notice.Unit,
		"caseId": "c1", "decisionId": "01abc"}
	if len(in.MessageAttributes) != len(want) {
		t.Errorf("attributes %v, want exactly %v (no empty ones)", in.MessageAttributes, want)
	}
	for k, v := range want {
		a, ok := in.MessageAttributes[k]
		if !ok || *a.DataType != "String" || *a.StringValue != v {
			t.Errorf("attribute %s = %+v, want %s", k, a, v)
		}
	}
	if in.MessageGroupId != nil || in.MessageDeduplicationId != nil {
		t.Error("FIFO ids on a standard topic")
	}
	fifo := (&Notifier{TopicARN: "arn:aws:sns:cn-north-1:123456789012:yuejuan.fifo"}).Input(notice)
	if fifo.MessageDeduplicationId == nil || *fifo.MessageDeduplicationId != notice.ID || *fifo.MessageGroupId != notice.To {
		t.Errorf("FIFO ids %v %v", fifo.MessageGroupId, fifo.MessageDeduplicationId)
	}
	long := notify.Notice{Subject: strings.Repeat("长", 120) + "\n"}
	if s := subject(long.Subject); len([]rune(s)) != 99 || strings.ContainsRune(s, '\n') {
		t.Errorf("subject not cut to 99 characters: %d", len([]rune(s)))
	}
}

// snsDouble answers Publish in the SNS query protocol and records the form.
type snsDouble struct {
	mu    sync.Mutex
	forms []url.Values
	fail  bool
}

func (d *snsDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	d.mu.Lock()
	d.forms = append(d.forms, r.PostForm)
	fail := d.fail
	d.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	if fail {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r1</RequestId></ErrorResponse>`))
		return
	}
	_, _ = w.Write([]byte(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></PublishResponse>`))
}

// The real SDK client against a local double of the SNS endpoint (not a
// real SNS): the request carries the topic, the message and the attributes.
func TestDeliverThroughSDK(t *testing.T) {
	d := &snsDouble{}
	ts := httptest.NewServer(d)
	defer ts.Close()
	client := sns.New(sns.Options{Region: "cn-north-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}))})
	n := &Notifier{Client: client, TopicARN: "arn:aws-cn:sns:cn-north-1:123456789012:yuejuan-notices"}
	if err := n.Deliver(context.Background(), notice); err != nil {
		t.Fatal(err)
	}
	if len(d.forms) != 1 {
		t.Fatalf("%d requests", len(d.forms))
	}
	f := d.forms[0]
	if f.Get("Action") != "Publish" || f.Get("TopicArn") != n.TopicARN || !strings.Contains(f.Get("Message"), "刘检察官 010-1") {
		t.Errorf("form %v", f)
	}
	attrs := map[string]string{}
	for i := 1; f.Get("MessageAttributes.entry."+strconv.Itoa(i)+".Name") != ""; i++ {
		p := "MessageAttributes.entry." + strconv.Itoa(i)
		attrs[f.Get(p+".Name")] = f.Get(p + ".Value.StringValue")
		if f.Get(p+".Value.DataType") != "String" {
			t.Errorf("attribute %s type %s", f.Get(p+".Name"), f.Get(p+".Value.DataType"))
		}
	}
	if attrs["to"] != notice.To || attrs["phone"] != notice.Phone || attrs["noticeId"] != notice.ID || len(attrs) != 7 {
		t.Errorf("attributes on the wire %v", attrs)
	}
	d.fail = true
	if err := n.Deliver(context.Background(), notice); err == nil || !strings.Contains(err.Error(), "AuthorizationError") {
		t.Errorf("a refused publish: %v", err)
	}
	if err := (&Notifier{Client: client}).Deliver(context.Background(), notice); err == nil {
		t.Error("no topic: no error")
	}
}
