var s = 'while(1)'; // for(;;)
/* x */ for (k in o) {}