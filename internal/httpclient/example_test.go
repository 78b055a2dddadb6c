package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/httpclient"
)

func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "MISS")
		io.WriteString(w, `{"meetings":[]}`)
	}))
	defer srv.Close()
	target := strings.TrimPrefix(srv.URL, "http://")

	c := httpclient.New(httpclient.Options{
		Timeout: 5 * time.Second,
		Allow:   func(hostport string) bool { return hostport == target }, // the hosts allowlist
	})
	defer c.Close()
	var resp httpclient.Response // one per VU, reused by every Do
	c.Do(context.Background(), &httpclient.Request{URL: srv.URL + "/api/meetings"}, &resp)
	cache, _ := resp.HeaderValue("x-cache")
	fmt.Println(resp.Status, resp.ErrorCode, cache, string(resp.Body))

	c.Do(context.Background(), &httpclient.Request{URL: "http://typo.example:5000/"}, &resp)
	fmt.Println(resp.ErrorCode, resp.Err != nil)
	// Output:
	// 200 0 MISS {"meetings":[]}
	// 1111 true
}
