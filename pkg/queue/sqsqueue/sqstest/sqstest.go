// Package sqstest is a small in-memory stand-in for Amazon SQS that speaks
// the wire protocol the AWS SDK for Go v2 uses (JSON 1.0: POST / with
// X-Amz-Target: AmazonSQS.<Operation>), for tests of code that sends jobs.
// It implements SendMessage and ReceiveMessage (which hands out each message
// once) and nothing else; it checks that a request is SigV4-signed but not
// the signature. No SQS emulator is available to the tests (ElasticMQ and
// LocalStack need a JVM or Docker), so this is a protocol double, not a peer.
package sqstest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Message is one received message.
type Message struct {
	QueueURL   string
	Body       string
	GroupID    string
	Attributes map[string]string // string message attributes
}

// Server is the SQS double; serve it with httptest.NewServer.
type Server struct {
	mu   sync.Mutex
	msgs []Message
	next int
}

// Messages returns every message sent so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func fault(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", typ+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + typ, "message": msg})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fault(w, http.StatusMethodNotAllowed, "InvalidAction", "POST only")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		fault(w, http.StatusForbidden, "MissingAuthenticationToken", "request is not SigV4-signed")
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if !ok {
		fault(w, http.StatusBadRequest, "InvalidAction", "no X-Amz-Target")
		return
	}
	var in struct {
		QueueURL          string `json:"QueueUrl"`
		MessageBody       string
		MessageGroupID    string `json:"MessageGroupId"`
		MessageAttributes map[string]struct {
			DataType    string
			StringValue string
		}
		MaxNumberOfMessages int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fault(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	if in.QueueURL == "" {
		fault(w, http.StatusBadRequest, "MissingParameter", "QueueUrl is required")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch op {
	case "SendMessage":
		if in.MessageBody == "" {
			fault(w, http.StatusBadRequest, "MissingParameter", "MessageBody is required")
			return
		}
		m := Message{QueueURL: in.QueueURL, Body: in.MessageBody, GroupID: in.MessageGroupID, Attributes: map[string]string{}}
		for k, v := range in.MessageAttributes {
			m.Attributes[k] = v.StringValue
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, m)
		id := fmt.Sprintf("msg-%d", len(s.msgs))
		s.mu.Unlock()
		sum := md5.Sum([]byte(in.MessageBody))
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": id, "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	case "ReceiveMessage":
		n := max(1, min(in.MaxNumberOfMessages, 10))
		type msg struct {
			MessageID     string `json:"MessageId"`
			ReceiptHandle string
			Body          string
			MD5OfBody     string
		}
		out := []msg{}
		s.mu.Lock()
		for ; s.next < len(s.msgs) && len(out) < n; s.next++ {
			if s.msgs[s.next].QueueURL != in.QueueURL {
				continue
			}
			sum := md5.Sum([]byte(s.msgs[s.next].Body))
			id := fmt.Sprintf("msg-%d", s.next+1)
			out = append(out, msg{MessageID: id, ReceiptHandle: id, Body: s.msgs[s.next].Body, MD5OfBody: hex.EncodeToString(sum[:])})
		}
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"Messages": out})
	default:
		fault(w, http.StatusBadRequest, "InvalidAction", "sqstest does not implement "+op)
	}
}
