/* payload.h - internal payload helpers shared by the msg layer. */
#ifndef MC_PAYLOAD_H
#define MC_PAYLOAD_H

#include "msg/msg.h"

void mc_payload_clear(mc_payload *p);

#endif
