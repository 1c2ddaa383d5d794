package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 multipart limits: every part but the last is at least 5 MiB, none is
// more than 5 GiB, and there are at most 10,000 parts.
const (
	minPartSize int64 = 5 << 20
	maxPartSize int64 = 5 << 30
)

// ErrPrefixTooLong is returned by Compose when the source is shorter than
// the prefix asked for.
var ErrPrefixTooLong = errors.New("blob: compose prefix is longer than the source object")

// Compose writes dst as the first prefixLen bytes of src followed by tail,
// atomically: readers see the previous dst (or none) until the new one is
// complete, and a failure leaves nothing visible. dst gets src's Content-Type
// and no other metadata. src is not changed.
//
// It is how a per-lawyer dossier copy costs O(pages) rather than O(bytes):
//   - S3: one multipart upload whose leading parts are server-side
//     UploadPartCopy ranges of src (no bytes pass through this process; a
//     prefix over 5 GiB is split into ≤ 5 GiB parts) and whose last part is
//     the tail, all tied to src's ETag; aborted on any error. A prefix under
//     the 5 MiB part minimum is read and written with the tail in one upload.
//   - a local bucket: the prefix is cloned (FICLONERANGE, a reflink on
//     btrfs/XFS) or copied in the kernel (copy_file_range) into a temporary
//     file beside dst, the tail appended, then renamed into place.
//   - any other driver (faults.Bucket's too): a range reader of src copied
//     into a writer of dst.
func Compose(ctx context.Context, b *Bucket, dst, src string, prefixLen int64, tail []byte) error {
	if prefixLen < 0 {
		return fmt.Errorf("blob: compose %s: negative prefix length %d", dst, prefixLen)
	}
	if dst == src {
		return fmt.Errorf("blob: compose %s: destination and source are the same object", dst)
	}
	if err := checkKey("compose", dst); err != nil {
		return err
	}
	if err := checkKey("compose", src); err != nil {
		return err
	}
	if c, ok := b.d.(composer); ok {
		done, err := c.compose(ctx, dst, src, prefixLen, tail)
		if done || err != nil {
			return err
		}
	}
	return composeStream(ctx, b, dst, src, prefixLen, tail)
}

// composeStream is the portable way: read the prefix, write prefix+tail
// through the bucket's (atomic) writer.
func composeStream(ctx context.Context, b *Bucket, dst, src string, prefixLen int64, tail []byte) error {
	attrs, err := b.Attributes(ctx, src)
	if err != nil {
		return fmt.Errorf("blob: compose %s: source %s: %w", dst, src, err)
	}
	if attrs.Size < prefixLen {
		return fmt.Errorf("%w (%s is %d bytes, prefix %d)", ErrPrefixTooLong, src, attrs.Size, prefixLen)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(wctx, dst, &WriterOptions{ContentType: attrs.ContentType})
	if err != nil {
		return fmt.Errorf("blob: compose %s: %w", dst, err)
	}
	fail := func(err error) error {
		cancel() // the writer discards what it has
		_ = w.Close()
		return fmt.Errorf("blob: compose %s: %w", dst, err)
	}
	if prefixLen > 0 {
		r, err := b.NewRangeReader(ctx, src, 0, prefixLen, nil)
		if err != nil {
			return fail(err)
		}
		n, err := io.Copy(w, r)
		_ = r.Close()
		if err == nil && n != prefixLen {
			err = fmt.Errorf("source %s changed: read %d of %d prefix bytes", src, n, prefixLen)
		}
		if err != nil {
			return fail(err)
		}
	}
	if _, err := w.Write(tail); err != nil {
		return fail(err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("blob: compose %s: %w", dst, err)
	}
	return nil
}

// --- S3 ---

// compose is the server-side multipart copy; a prefix under the 5 MiB
// part minimum goes the portable way (UploadPartCopy needs a part of at
// least 5 MiB unless it is the last one; a small prefix is cheaper to copy
// through us anyway).
func (d *s3Driver) compose(ctx context.Context, dst, src string, prefixLen int64, tail []byte) (bool, error) {
	if prefixLen < minPartSize {
		return false, nil
	}
	attrs, err := d.Attributes(ctx, src)
	if err != nil {
		return true, fmt.Errorf("blob: compose %s: source %s: %w", dst, src, err)
	}
	if attrs.Size < prefixLen {
		return true, fmt.Errorf("%w (%s is %d bytes, prefix %d)", ErrPrefixTooLong, src, attrs.Size, prefixLen)
	}
	return true, d.multipartCopy(ctx, dst, src, prefixLen, tail, attrs)
}

func (d *s3Driver) multipartCopy(ctx context.Context, dst, src string, prefixLen int64, tail []byte, attrs *Attributes) error {
	client, bucket, srcKey, dstKey := d.client, d.bucket, s3Key(src), s3Key(dst)
	create := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(dstKey)}
	if attrs.ContentType != "" {
		create.ContentType = aws.String(attrs.ContentType)
	}
	mpu, err := client.CreateMultipartUpload(ctx, create)
	if err != nil {
		return fmt.Errorf("blob: compose %s: create multipart upload: %w", dst, err)
	}
	uploadID := mpu.UploadId
	abort := func(err error) error {
		// Abort even when ctx is what failed, so no parts linger.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, aerr := client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(dstKey), UploadId: uploadID,
		}); aerr != nil {
			err = fmt.Errorf("%w (and abort failed: %v)", err, aerr)
		}
		return fmt.Errorf("blob: compose %s: %w", dst, err)
	}

	copySource := s3PathEscape(bucket) + "/" + s3PathEscape(srcKey)
	var parts []types.CompletedPart
	nParts := (prefixLen + maxPartSize - 1) / maxPartSize
	partSize := (prefixLen + nParts - 1) / nParts // ≥ 5 MiB since prefixLen ≥ 5 MiB
	for off := int64(0); off < prefixLen; off += partSize {
		end := min(off+partSize, prefixLen) - 1
		num := aws.Int32(int32(len(parts) + 1))
		in := &s3.UploadPartCopyInput{
			Bucket:          aws.String(bucket),
			Key:             aws.String(dstKey),
			UploadId:        uploadID,
			PartNumber:      num,
			CopySource:      aws.String(copySource),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
		}
		if attrs.ETag != "" {
			// Every part from the same version of src, or fail.
			in.CopySourceIfMatch = aws.String(attrs.ETag)
		}
		out, err := client.UploadPartCopy(ctx, in)
		if err != nil {
			return abort(fmt.Errorf("copy part %d (bytes %d-%d of %s): %w", *num, off, end, src, err))
		}
		if out.CopyPartResult == nil || out.CopyPartResult.ETag == nil {
			return abort(fmt.Errorf("copy part %d: no ETag in the reply", *num))
		}
		parts = append(parts, types.CompletedPart{PartNumber: num, ETag: out.CopyPartResult.ETag})
	}
	if len(tail) > 0 {
		num := aws.Int32(int32(len(parts) + 1))
		sum := md5.Sum(tail)
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(dstKey),
			UploadId:      uploadID,
			PartNumber:    num,
			Body:          bytes.NewReader(tail),
			ContentLength: aws.Int64(int64(len(tail))),
			ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		}, func(o *s3.Options) {
			// Content-MD5 is the integrity check; no flexible checksum, which
			// an upload created without a checksum algorithm need not accept.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
		if err != nil {
			return abort(fmt.Errorf("upload tail part: %w", err))
		}
		parts = append(parts, types.CompletedPart{PartNumber: num, ETag: out.ETag})
	}
	if _, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(dstKey),
		UploadId:        uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}); err != nil {
		return abort(fmt.Errorf("complete multipart upload: %w", err))
	}
	return nil
}

// s3PathEscape URL-encodes an x-amz-copy-source component, keeping slashes.
func s3PathEscape(s string) string {
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return strings.Join(segs, "/")
}

// --- local filesystem ---

// compose works on the files under the bucket: the prefix goes file to
// file inside the kernel — shared extents where the filesystem can
// reflink, else copy_file_range — never through this process, and no MD5
// pass is made over it (dst's sidecar records no MD5, as an S3 multipart
// object has none). The temporary file is then renamed over dst, which is
// atomic.
func (d *localDriver) compose(ctx context.Context, dst, src string, prefixLen int64, tail []byte) (bool, error) {
	f, fi, s, err := d.open(src)
	if err != nil {
		return true, fmt.Errorf("blob: compose %s: source %s: %w", dst, src, err)
	}
	defer f.Close()
	if fi.Size() < prefixLen {
		return true, fmt.Errorf("%w (%s is %d bytes, prefix %d)", ErrPrefixTooLong, src, fi.Size(), prefixLen)
	}
	ct := s.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w, err := d.newWriter(ctx, dst, WriterOptions{ContentType: ct})
	if err != nil {
		return true, fmt.Errorf("blob: compose %s: %w", dst, err)
	}
	fail := func(what string, err error) (bool, error) {
		w.f.Close()
		os.Remove(w.f.Name())
		return true, fmt.Errorf("blob: compose %s: %s: %w", dst, what, err)
	}
	if err := copyFileRange(w.f, f, prefixLen); err != nil {
		return fail("copy prefix", err)
	}
	if _, err := w.f.WriteAt(tail, prefixLen); err != nil {
		return fail("write tail", err)
	}
	if err := w.Close(); err != nil {
		return true, fmt.Errorf("blob: compose %s: %w", dst, err)
	}
	return true, nil
}

// copyFileRange copies the first n bytes of src to the start of dst
// (an empty file): the block-aligned part by FICLONERANGE where the
// filesystem shares extents, the rest with io.Copy, which Go turns into
// copy_file_range (in-kernel, and itself a reflink on some filesystems).
func copyFileRange(dst, src *os.File, n int64) error {
	cloned := cloneRange(dst, src, n)
	if _, err := src.Seek(cloned, io.SeekStart); err != nil {
		return err
	}
	if _, err := dst.Seek(cloned, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.CopyN(dst, src, n-cloned); err != nil {
		return err
	}
	return nil
}
