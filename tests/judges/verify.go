// A judge for tlsmith's chain-verification tests: Go's crypto/x509 Verify, stdlib only.
//
// Reads a JSON list of cases on stdin, each
//
//	{"id": "…", "leaf": "leaf.pem", "intermediates": ["a.pem"], "roots": ["ca.pem"],
//	 "dnsName": "host or IP, optional", "keyUsage": "server|client|any", "time": "RFC 3339"}
//
// (file names of PEM files; a leaf file's first certificate is the leaf) and prints one JSON
// line per case: {"id": "…", "ok": true} or {"id": "…", "ok": false, "error": "…"}.
// A certificate Go cannot parse is a rejection ("parse: …").
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"
)

type testCase struct {
	ID            string   `json:"id"`
	Leaf          string   `json:"leaf"`
	Intermediates []string `json:"intermediates"`
	Roots         []string `json:"roots"`
	DNSName       string   `json:"dnsName"`
	KeyUsage      string   `json:"keyUsage"`
	Time          string   `json:"time"`
}

type verdict struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func readCerts(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		out = append(out, cert)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("parse %s: no certificate", file)
	}
	return out, nil
}

func addFiles(pool *x509.CertPool, files []string) error {
	for _, file := range files {
		certs, err := readCerts(file)
		if err != nil {
			return err
		}
		for _, cert := range certs {
			pool.AddCert(cert)
		}
	}
	return nil
}

func judge(c testCase) error {
	leafCerts, err := readCerts(c.Leaf)
	if err != nil {
		return err
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		DNSName:       c.DNSName,
	}
	for _, cert := range leafCerts[1:] {
		opts.Intermediates.AddCert(cert)
	}
	if err := addFiles(opts.Intermediates, c.Intermediates); err != nil {
		return err
	}
	if err := addFiles(opts.Roots, c.Roots); err != nil {
		return err
	}
	switch c.KeyUsage {
	case "", "server":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case "client":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case "any":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	default:
		return fmt.Errorf("judge: unknown keyUsage %q", c.KeyUsage)
	}
	if c.Time != "" {
		t, err := time.Parse(time.RFC3339, c.Time)
		if err != nil {
			return fmt.Errorf("judge: bad time %q", c.Time)
		}
		opts.CurrentTime = t
	}
	_, err = leafCerts[0].Verify(opts)
	return err
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "judge: cannot read the cases:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, c := range cases {
		v := verdict{ID: c.ID, OK: true}
		if err := judge(c); err != nil {
			v.OK = false
			v.Error = err.Error()
		}
		if err := enc.Encode(v); err != nil {
			os.Exit(2)
		}
	}
}
