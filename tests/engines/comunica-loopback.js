// Comunica's SPARQL endpoint (comunica-sparql-file-http) bound to 127.0.0.1 only: the stock
// command listens on every interface and has no option to choose one. Cluster workers run this
// file again, so the patch holds in them too. Arguments are the stock command's.
'use strict';
const http = require('node:http');

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function listenOnLoopback(port, ...rest) {
  if (typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port))) {
    return listen.call(this, Number(port), '127.0.0.1', ...rest);
  }
  return listen.call(this, port, ...rest);
};

require('@comunica/query-sparql-file/bin/http.js');
