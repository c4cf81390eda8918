/* Stand-in for libcodec2 on the GPU machine: the speech codec is never used; abort if it is. */
#include <stdlib.h>
void* codec2_create(int m) { abort(); }
void codec2_destroy(void* c) { abort(); }
int codec2_bits_per_frame(void* c) { abort(); }
int codec2_samples_per_frame(void* c) { abort(); }
void codec2_encode(void* c, unsigned char* b, short* s) { abort(); }
void codec2_decode(void* c, short* s, const unsigned char* b) { abort(); }
void codec2_set_natural_or_gray(void* c, int g) { abort(); }
