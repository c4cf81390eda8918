/* Stand-in for ICU's data library on the GPU machine: nothing there calls ICU. */
const char icudt72_dat[16] = {0};
