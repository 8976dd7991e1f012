-- post.lua - wrk script for bench/run's gateway and slow-upstream
-- scenarios: every request is the WSO2 Amazon Lambda connector's invoke
-- request (its test proxy reads the credentials, region and function from
-- the JSON body and picks the operation from the Action header).  The nginx
-- peer receives the same request and forwards it unchanged.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Action"] = "urn:invoke"
wrk.body = '{"accessKeyId":"AKIDBENCH","secretAccessKey":"bench-secret",' ..
           '"region":"us-east-1","blocking":"false","functionName":"bench-fn",' ..
           '"apiVersionInvoke":"2015-03-31","payload":{"hello":"bench","n":42}}'
