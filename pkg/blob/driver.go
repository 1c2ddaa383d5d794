package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Driver is what a store must do for a Bucket: the local filesystem
// (OpenLocal, OpenDir) and S3 (OpenS3) implement it, and so does
// faults.Bucket around either. Keys are valid UTF-8 (Bucket checks). Every
// error a method returns for a missing object has the code NotFound, and
// a write refused because IfNotExist found the object has AlreadyExists
// (Code reads them); other errors are Unknown unless said.
type Driver interface {
	// Attributes describes the object at key.
	Attributes(ctx context.Context, key string) (*Attributes, error)

	// NewRangeReader reads length bytes of the object at key from offset
	// (length < 0: to its end; 0: nothing, the object must still exist).
	// It fails with NotFound when the object does not exist.
	NewRangeReader(ctx context.Context, key string, offset, length int64) (DriverReader, error)

	// NewWriter starts writing the object at key with o (o.ContentType is
	// set; Bucket fills it in). The object, or its new version, becomes
	// visible only when Close returns nil: until then readers see the
	// previous version or none. If ctx is done before Close, Close returns
	// an error and nothing is written, whatever was sent. With
	// o.IfNotExist, Close fails with AlreadyExists, and writes nothing,
	// when the object exists.
	NewWriter(ctx context.Context, key string, o WriterOptions) (io.WriteCloser, error)

	// ListPage lists the objects whose keys begin with o.Prefix in key
	// order, at most size of them, after the page token (nil: from the
	// start). With o.Delimiter, the keys that have the delimiter after the
	// prefix come as one entry each, IsDir, the key up to and with the
	// delimiter. next is nil after the last page.
	ListPage(ctx context.Context, o ListOptions, token []byte, size int) (objs []*ListObject, next []byte, err error)

	// Copy writes dst as a copy of src (content and Content-Type), as
	// NewWriter would: NotFound when src does not exist.
	Copy(ctx context.Context, dst, src string) error

	// Delete removes the object at key; NotFound when there is none.
	Delete(ctx context.Context, key string) error

	// SignedURL returns a URL that lets whoever holds it do o.Method on
	// key until o.Expiry has passed, with everything o binds under its
	// signature (SignOptions); a driver that cannot bind all of it, or
	// cannot sign at all, returns an Unimplemented error rather than a URL
	// that allows more.
	SignedURL(ctx context.Context, key string, o SignOptions) (string, error)

	// Close releases what the driver holds.
	Close() error
}

// DriverReader is an open read of an object (or of a range of it).
type DriverReader interface {
	io.ReadCloser
	// Attrs describes the whole object, not the range.
	Attrs() ReaderAttributes
}

// composer is a driver with a Compose better than reading and writing
// through the bucket (a server-side copy, a reflink). done false, err nil:
// not this time (the prefix is too small), the portable way is taken.
type composer interface {
	compose(ctx context.Context, dst, src string, prefixLen int64, tail []byte) (done bool, err error)
}

// SignOptions is what a signed URL allows and binds.
type SignOptions struct {
	Method string
	Expiry time.Duration
	// Size, for a PUT, is the exact Content-Length the URL accepts (≥ 1);
	// the URL also stores its object only while none exists (write-once).
	Size int64
	// Filename and Range, for a GET: the name the download is saved under
	// (Content-Disposition) and the one byte range it may serve (the
	// request must send this Range header). Empty: none.
	Filename, Range string
}

// Attributes describes an object.
type Attributes struct {
	ContentType string
	ModTime     time.Time
	Size        int64
	// MD5 of the content, where the store knows it (not for a multipart
	// S3 object, nor for a local object written by Compose).
	MD5 []byte
	// ETag identifies this version of the object.
	ETag string
}

// ReaderAttributes is what a Reader knows of its object.
type ReaderAttributes struct {
	ContentType string
	ModTime     time.Time
	Size        int64
}

// ListObject is one entry of a listing.
type ListObject struct {
	Key     string
	ModTime time.Time
	Size    int64
	MD5     []byte
	// IsDir marks a common prefix (ListOptions.Delimiter), not an object.
	IsDir bool
}

// ErrorCode says what kind of failure an error is.
type ErrorCode int

// The error codes.
const (
	Unknown         ErrorCode = iota
	NotFound                  // no such object
	AlreadyExists             // IfNotExist found the object, or a write-once upload its key taken
	InvalidArgument           // a key or option the bucket cannot take
	Unimplemented             // the bucket cannot do this (sign a URL, bind a size)
)

func (c ErrorCode) String() string {
	switch c {
	case NotFound:
		return "not found"
	case AlreadyExists:
		return "already exists"
	case InvalidArgument:
		return "invalid argument"
	case Unimplemented:
		return "not implemented"
	}
	return "error"
}

// Error is a failed bucket operation.
type Error struct {
	Code ErrorCode
	Op   string // "read", "write", "attributes", "list", "copy", "delete", "sign"
	Key  string
	Err  error // the cause, if any
}

func (e *Error) Error() string {
	s := "blob: " + e.Op + " " + e.Key + ": " + e.Code.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Code is the code of err: that of the first *Error in its chain, Unknown
// for any other error, and for nil.
func Code(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unknown
}

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return Code(err) == NotFound }

func newError(code ErrorCode, op, key string, err error) error {
	return &Error{Code: code, Op: op, Key: key, Err: err}
}

func errorf(code ErrorCode, op, key, format string, args ...any) error {
	return &Error{Code: code, Op: op, Key: key, Err: fmt.Errorf(format, args...)}
}
