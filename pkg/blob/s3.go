package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Config says which S3 bucket to open and how to reach it.
type S3Config struct {
	// Bucket is the bucket name (required).
	Bucket string
	// Region, e.g. cn-north-1. Empty means the default chain's region
	// (AWS_REGION, the shared config file), else us-east-1.
	Region string
	// Endpoint is the base URL of an S3-compatible service (versitygw, MinIO,
	// Ceph RGW, ...). Empty means AWS itself.
	Endpoint string
	// UsePathStyle addresses the bucket as http://endpoint/bucket/key rather
	// than http://bucket.endpoint/key; most S3-compatible services need it.
	UsePathStyle bool
	// AccessKey and SecretKey, when both set, are static credentials.
	// Otherwise the default credential chain is used (environment, shared
	// files, the Lambda role, IMDS...).
	AccessKey string
	SecretKey string
}

// OpenS3 opens an S3 (or S3-compatible) bucket. It returns the portable
// bucket and the SDK client underneath it, for what the portable type does
// not cover (bucket creation, multipart copies).
//
// Signed URLs of the returned bucket are SigV4 presigned URLs. A presigned
// PUT (SignedPutURL) signs the Host and Content-Length headers only (the
// payload is UNSIGNED-PAYLOAD and the SDK leaves Content-Type and checksums
// out of the signature), so a plain HTTP PUT of exactly the signed length
// succeeds, with or without a Content-Type header, and any other length is
// refused; the object gets the Content-Type the client sent (the server's
// default, binary/octet-stream on AWS, when it sent none).
func OpenS3(ctx context.Context, cfg S3Config) (*Bucket, *s3.Client, error) {
	if cfg.Bucket == "" {
		return nil, nil, errors.New("blob: S3 bucket name is required")
	}
	var loadOpts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		loadOpts = append(loadOpts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		if cfg.AccessKey == "" || cfg.SecretKey == "" {
			return nil, nil, errors.New("blob: S3 access key and secret key go together")
		}
		loadOpts = append(loadOpts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, nil, fmt.Errorf("blob: load AWS config: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.UsePathStyle
		// Ranged GETs carry no whole-object checksum to validate; the SDK
		// would log that on every one of them.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return NewBucket(&s3Driver{client: client, bucket: cfg.Bucket}), client, nil
}

// s3Driver is the S3 driver: PutObject for a write (a multipart upload
// past the transfer manager's part size, 8 MiB, aborted on failure),
// GetObject with a Range, HeadObject, ListObjectsV2, CopyObject, and
// SigV4 presigned GET and PUT URLs.
type s3Driver struct {
	client *s3.Client
	bucket string
}

// s3Key is the object key of key: control characters and the "/" of "../"
// escaped as "__0x<hex>__", as gocloud.dev's s3blob did (S3 takes neither
// well), so that objects it wrote keep their keys.
func s3Key(key string) string {
	return hexEscape(key, func(r []rune, i int) bool {
		c := r[i]
		return c < 32 || i > 1 && c == '/' && r[i-1] == '.' && r[i-2] == '.'
	})
}

// s3Err gives an SDK error its code.
func s3Err(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound", "NoSuchBucket":
			return newError(NotFound, op, key, err)
		case "PreconditionFailed", "ConditionalRequestConflict":
			return newError(AlreadyExists, op, key, err)
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return newError(NotFound, op, key, err)
	}
	return newError(Unknown, op, key, err)
}

func (d *s3Driver) Attributes(ctx context.Context, key string) (*Attributes, error) {
	out, err := d.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key))})
	if err != nil {
		return nil, s3Err("attributes", key, err)
	}
	return &Attributes{ContentType: aws.ToString(out.ContentType), ModTime: aws.ToTime(out.LastModified),
		Size: aws.ToInt64(out.ContentLength), MD5: etagMD5(out.ETag), ETag: aws.ToString(out.ETag)}, nil
}

// etagMD5 is the MD5 an ETag is, when it is one (not for a multipart
// object, whose ETag has a "-").
func etagMD5(etag *string) []byte {
	s := aws.ToString(etag)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil
	}
	b, err := hex.DecodeString(s[1 : len(s)-1])
	if err != nil {
		return nil
	}
	return b
}

type s3Reader struct {
	io.ReadCloser
	attrs ReaderAttributes
}

func (r *s3Reader) Attrs() ReaderAttributes { return r.attrs }

func (d *s3Driver) NewRangeReader(ctx context.Context, key string, offset, length int64) (DriverReader, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key))}
	switch {
	case length == 0:
		// S3 has no empty range; read one byte and drop it (the object
		// must still exist).
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset))
	case length > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	}
	out, err := d.client.GetObject(ctx, in)
	if err != nil {
		return nil, s3Err("read", key, err)
	}
	body := out.Body
	if length == 0 {
		body.Close()
		body = http.NoBody
	}
	// The whole object's size: Content-Range's total for a range.
	size := aws.ToInt64(out.ContentLength)
	if cr := aws.ToString(out.ContentRange); cr != "" {
		if _, total, ok := strings.Cut(cr, "/"); ok {
			if n, err := strconv.ParseInt(total, 10, 64); err == nil {
				size = n
			}
		}
	}
	return &s3Reader{ReadCloser: body, attrs: ReaderAttributes{ContentType: aws.ToString(out.ContentType),
		ModTime: aws.ToTime(out.LastModified), Size: size}}, nil
}

// s3Writer streams what is written through a pipe into the transfer
// manager's upload, which runs until Close.
type s3Writer struct {
	key   string
	pw    *io.PipeWriter
	start func(r io.Reader)
	done  chan struct{}
	err   error // set before done closes
}

func (d *s3Driver) NewWriter(ctx context.Context, key string, o WriterOptions) (io.WriteCloser, error) {
	in := &transfermanager.UploadObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key)),
		ContentType: aws.String(o.ContentType)}
	if o.IfNotExist {
		in.IfNoneMatch = aws.String("*")
	}
	w := &s3Writer{key: key, done: make(chan struct{})}
	w.start = func(r io.Reader) {
		go func() {
			defer close(w.done)
			in.Body = r
			if _, err := transfermanager.New(d.client).UploadObject(ctx, in); err != nil {
				w.err = s3Err("write", key, err)
				if pr, ok := r.(*io.PipeReader); ok {
					pr.CloseWithError(err)
				}
			}
		}()
	}
	return w, nil
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if w.pw == nil {
		pr, pw := io.Pipe()
		w.pw = pw
		w.start(pr)
	}
	n, err := w.pw.Write(p)
	if err != nil {
		return n, newError(Unknown, "write", w.key, err)
	}
	return n, nil
}

// Close ends the body and waits for the upload: the object exists once
// Close returns nil. A done context fails the upload (and aborts a
// multipart one), so nothing is stored.
func (w *s3Writer) Close() error {
	if w.pw == nil {
		w.start(http.NoBody)
	} else {
		_ = w.pw.Close()
	}
	<-w.done
	return w.err
}

func (d *s3Driver) ListPage(ctx context.Context, o ListOptions, token []byte, size int) ([]*ListObject, []byte, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(d.bucket), MaxKeys: aws.Int32(int32(min(size, 1000)))}
	if len(token) > 0 {
		in.ContinuationToken = aws.String(string(token))
	}
	if o.Prefix != "" {
		in.Prefix = aws.String(s3Key(o.Prefix))
	}
	if o.Delimiter != "" {
		in.Delimiter = aws.String(s3Key(o.Delimiter))
	}
	out, err := d.client.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, nil, s3Err("list", o.Prefix, err)
	}
	objs := make([]*ListObject, 0, len(out.Contents)+len(out.CommonPrefixes))
	for _, c := range out.Contents {
		objs = append(objs, &ListObject{Key: hexUnescape(aws.ToString(c.Key)), ModTime: aws.ToTime(c.LastModified),
			Size: aws.ToInt64(c.Size), MD5: etagMD5(c.ETag)})
	}
	for _, p := range out.CommonPrefixes {
		objs = append(objs, &ListObject{Key: hexUnescape(aws.ToString(p.Prefix)), IsDir: true})
	}
	slices.SortFunc(objs, func(a, b *ListObject) int { return strings.Compare(a.Key, b.Key) })
	var next []byte
	if out.NextContinuationToken != nil && aws.ToBool(out.IsTruncated) {
		next = []byte(*out.NextContinuationToken)
	}
	return objs, next, nil
}

func (d *s3Driver) Copy(ctx context.Context, dst, src string) error {
	_, err := d.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(dst)),
		CopySource: aws.String(s3PathEscape(d.bucket) + "/" + s3PathEscape(s3Key(src)))})
	return s3Err("copy", src, err)
}

func (d *s3Driver) Delete(ctx context.Context, key string) error {
	// DeleteObject succeeds on a missing key; the contract says NotFound.
	if _, err := d.Attributes(ctx, key); err != nil {
		return s3Err("delete", key, err)
	}
	_, err := d.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key))})
	return s3Err("delete", key, err)
}

// SignedURL presigns with SigV4. A PUT binds its size as the signed
// Content-Length and write-once as a signed If-None-Match: * (SignedPutURL
// says what S3 then refuses); a GET binds the file name as
// response-content-disposition (in the signed query) and the range as a
// signed Range header.
func (d *s3Driver) SignedURL(ctx context.Context, key string, o SignOptions) (string, error) {
	p := s3.NewPresignClient(d.client, s3.WithPresignExpires(o.Expiry))
	switch o.Method {
	case http.MethodGet:
		in := &s3.GetObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key))}
		if o.Filename != "" {
			in.ResponseContentDisposition = aws.String(contentDisposition(o.Filename))
		}
		if o.Range != "" {
			in.Range = aws.String(o.Range)
		}
		r, err := p.PresignGetObject(ctx, in)
		if err != nil {
			return "", s3Err("sign", key, err)
		}
		return r.URL, nil
	case http.MethodPut:
		if o.Size < 1 {
			return "", errorf(Unimplemented, "sign", key, "a PUT URL needs the upload's size (SignedPutURL)")
		}
		r, err := p.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(d.bucket), Key: aws.String(s3Key(key)),
			ContentLength: aws.Int64(o.Size), IfNoneMatch: aws.String("*")})
		if err != nil {
			return "", s3Err("sign", key, err)
		}
		return r.URL, nil
	}
	return "", errorf(Unimplemented, "sign", key, "S3 URLs are signed for GET and PUT, not %s", o.Method)
}

func (d *s3Driver) Close() error { return nil }
