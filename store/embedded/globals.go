package embedded

import (
	"encoding/json"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// globals are the records that belong to no workspace: accounts and plans.
// mu guards the maps and is held across the bbolt commit of every account
// and plan write, so uniqueness checks and writes are atomic; these are admin
// paths, never the request path.
type globals struct {
	mu       sync.Mutex
	accounts map[string]store.Account // by id
	byEmail  map[string]string        // lower-case email -> account id
	plans    map[string]store.Plan    // by name
}

// loadGlobals reads the accounts and plans buckets, which may be missing.
func loadGlobals(db *bolt.DB) (*globals, error) {
	g := &globals{
		accounts: make(map[string]store.Account),
		byEmail:  make(map[string]string),
		plans:    make(map[string]store.Plan),
	}
	err := db.View(func(tx *bolt.Tx) error {
		err := forEach(tx.Bucket(bucketAccounts), func(a store.Account) {
			g.accounts[a.ID] = a
			g.byEmail[strings.ToLower(a.Email)] = a.ID
		})
		if err != nil {
			return err
		}
		return forEach(tx.Bucket(bucketPlans), func(p store.Plan) { g.plans[p.Name] = p })
	})
	return g, err
}

// putGlobal writes v as JSON under key in the top-level bucket name.
func putGlobal(tx *bolt.Tx, name []byte, key string, v any) error {
	b, err := tx.CreateBucketIfNotExists(name)
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}
