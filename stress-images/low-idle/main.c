/* low-idle: sleeps until SIGTERM: near-zero CPU and memory. */
#include "../common/stress.h"

int main(void)
{
	stress_exit_on_term();
	printf("low-idle: sleeping\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
