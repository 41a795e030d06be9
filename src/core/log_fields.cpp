// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/log_fields.hpp"

namespace fixgate {
namespace {

thread_local LogFields current;

}  // namespace

const LogFields& current_log_fields() { return current; }

LogScope::LogScope(const LogFields& fields) : enclosing_(current) {
  if (!fields.session.empty()) current.session = fields.session;
  if (!fields.client.empty()) current.client = fields.client;
  if (!fields.client_order_id.empty()) current.client_order_id = fields.client_order_id;
  if (!fields.cl_ord_id.empty()) current.cl_ord_id = fields.cl_ord_id;
}

LogScope::~LogScope() { current = enclosing_; }

}  // namespace fixgate
