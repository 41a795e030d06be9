// SPDX-License-Identifier: Apache-2.0
#pragma once
// Whether bytes read from a FIX session are one whole, well-framed message, checked before they
// are journaled as a message: a frame that fails here is journaled as garbage and never applied.

#include <optional>
#include <string>
#include <string_view>

namespace fixgate::fix {

/// Why `raw` is not one well-framed FIX message of `begin_string` ("FIX.4.4"); nullopt when it is.
/// Well-framed: BeginString (8) first and equal to `begin_string`, BodyLength (9) second and
/// counting exactly the bytes from after its own SOH up to CheckSum (10), CheckSum last, three
/// digits, equal to the sum of every byte before it modulo 256, and the final SOH.
std::optional<std::string> framing_problem(std::string_view raw, std::string_view begin_string);

}  // namespace fixgate::fix
