-- wrk script: the same request as `loadtest -keepalive ... ` sends
-- (POST /metrics, one metric, its own Authorization per connection is not
-- possible in plain wrk, so one shared client id; the sink ignores it).
wrk.method = "POST"
wrk.path = "/metrics"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "wrk"
wrk.body = '{"metrics":[{"name":"lab_load_0","value":0.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"h0"}}]}'
