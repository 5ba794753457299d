package api

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParseKey builds a Key from PEM text: a PKIX public key and/or a PKCS#8
// private key (whose public half is used when pub is empty).
func ParseKey(kid, alg string, pub, priv []byte) (Key, error) {
	k := Key{KID: kid, Alg: alg}
	if len(priv) > 0 {
		b, _ := pem.Decode(priv)
		if b == nil {
			return k, fmt.Errorf("key %s: private key is not PEM", kid)
		}
		p, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return k, fmt.Errorf("key %s: private key: %w", kid, err)
		}
		s, ok := p.(crypto.Signer)
		if !ok {
			return k, fmt.Errorf("key %s: private key cannot sign", kid)
		}
		k.Private, k.Public = s, s.Public()
	}
	if len(pub) > 0 {
		b, _ := pem.Decode(pub)
		if b == nil {
			return k, fmt.Errorf("key %s: public key is not PEM", kid)
		}
		p, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return k, fmt.Errorf("key %s: public key: %w", kid, err)
		}
		k.Public = p
	}
	if k.Public == nil {
		return k, fmt.Errorf("key %s: no key given", kid)
	}
	return k, checkKey(k)
}
