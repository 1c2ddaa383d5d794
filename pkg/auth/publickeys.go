package auth

import "crypto/ed25519"

// PublicKeySet returns a key set that only verifies, with pubs: a
// deployment that checks tokens but must not mint them (the download
// function for link tokens). Sign on it fails.
func PublicKeySet(pubs ...ed25519.PublicKey) *KeySet {
	ks := &KeySet{private: map[string]ed25519.PrivateKey{}, public: map[string]ed25519.PublicKey{}}
	for _, p := range pubs {
		ks.AddPublic(p)
	}
	return ks
}
