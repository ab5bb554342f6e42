// Package store defines the one interface behind which Tollgate keeps its
// state, and the records it holds. Two backends implement it: store/embedded
// (a single node, bbolt in the data directory) and store/redis (any number of
// replicas sharing Redis or Redis Cluster). store/storetest is the contract
// suite that both must pass.
//
// Admit is the request path: one atomic decision in one round trip. Every
// other method is the admin path and may take several round trips.
package store
