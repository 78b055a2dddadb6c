package httpclient

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
)

// coding is a response body's Content-Encoding, as far as the client decodes it.
type coding uint8

// The codings. Bodies in codingOther (br, zstd, stacked codings) are kept as received.
const (
	codingIdentity coding = iota
	codingGzip
	codingDeflate
	codingOther
)

// parseCoding reads a Content-Encoding value; a second Content-Encoding field (prev set)
// stacks codings, which the client does not undo.
func parseCoding(v []byte, prev coding) coding {
	c := codingOther
	switch {
	case prev != codingIdentity:
	case equalFold(v, "gzip"), equalFold(v, "x-gzip"):
		c = codingGzip
	case equalFold(v, "deflate"):
		c = codingDeflate
	case len(v) == 0, equalFold(v, "identity"):
		c = codingIdentity
	}
	return c
}

// decoder undoes gzip and deflate Content-Encoding, as k6 does for every response, reusing its
// readers and buffer between responses. It is created on the first compressed response.
type decoder struct {
	src  bytes.Reader
	br   *bufio.Reader // flate needs an io.ByteReader over src
	gz   *gzip.Reader
	zl   io.ReadCloser // zlib reader; also a zlib.Resetter
	fl   io.ReadCloser // raw deflate reader; also a flate.Resetter
	out  []byte
	peek [2]byte
}

// decode replaces resp.Body by its decoded form, at most maxBody bytes of it (more sets
// BodyTruncated). A compressed body that was itself truncated decodes as far as it goes;
// one that is corrupt is an ErrDecompression.
func (d *decoder) decode(resp *Response, maxBody int64) error {
	d.src.Reset(resp.Body)
	r, err := d.reader(resp.encoding, resp.Body)
	if err == nil {
		err = d.readAll(r, maxBody, resp)
	}
	if err != nil && !(resp.BodyTruncated && errors.Is(err, io.ErrUnexpectedEOF)) {
		return fmt.Errorf("%w: Content-Encoding %s: %w", ErrDecompression, codingName[resp.encoding], err)
	}
	resp.Body, d.out = d.out, resp.Body[:0]
	if cap(d.out) > maxRetainedBody {
		d.out = nil
	}
	return nil
}

// codingName names the codings in errors.
var codingName = [...]string{codingIdentity: "identity", codingGzip: "gzip", codingDeflate: "deflate", codingOther: "other"}

// reader returns a reader of the decoded body. "deflate" is meant to be zlib-wrapped
// (RFC 9110 8.4.1.2), but some servers send raw deflate: a body without a zlib header is read
// as raw deflate.
func (d *decoder) reader(enc coding, body []byte) (io.Reader, error) {
	if d.br == nil {
		d.br = bufio.NewReaderSize(&d.src, 512)
	} else {
		d.br.Reset(&d.src)
	}
	switch {
	case enc == codingGzip:
		if d.gz == nil {
			gz, err := gzip.NewReader(d.br)
			if err != nil {
				return nil, err
			}
			d.gz = gz
		} else if err := d.gz.Reset(d.br); err != nil {
			return nil, err
		}
		return d.gz, nil
	case isZlibHeader(body):
		if d.zl == nil {
			zl, err := zlib.NewReader(d.br)
			if err != nil {
				return nil, err
			}
			d.zl = zl
		} else if err := d.zl.(zlib.Resetter).Reset(d.br, nil); err != nil {
			return nil, err
		}
		return d.zl, nil
	default:
		if d.fl == nil {
			d.fl = flate.NewReader(d.br)
		} else if err := d.fl.(flate.Resetter).Reset(d.br, nil); err != nil {
			return nil, err
		}
		return d.fl, nil
	}
}

// isZlibHeader reports whether b starts with a zlib header (RFC 1950: CM 8, FCHECK).
func isZlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// readAll reads r into d.out, keeping at most maxBody bytes; one byte more marks the body
// truncated (and stops a decompression bomb there).
func (d *decoder) readAll(r io.Reader, maxBody int64, resp *Response) error {
	d.out = d.out[:0]
	for {
		if int64(len(d.out)) >= maxBody {
			n, err := r.Read(d.peek[:1])
			if n > 0 {
				resp.BodyTruncated = true
				return nil
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		if len(d.out) == cap(d.out) {
			d.out = slices.Grow(d.out, int(min(maxBody-int64(len(d.out)), int64(max(cap(d.out), 4096)))))
		}
		spare := d.out[len(d.out):cap(d.out)]
		if room := maxBody - int64(len(d.out)); int64(len(spare)) > room {
			spare = spare[:room]
		}
		n, err := r.Read(spare)
		d.out = d.out[:len(d.out)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
