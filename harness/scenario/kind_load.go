package scenario

// The load kind (the default): the scenario's load measured on servers
// shared by every load scenario with the same server flags and replicas;
// steps are a sweep of clients (closed model) or rates (open model).
func init() { RegisterKind(&KindSpec{Kind: KindLoad}) }
