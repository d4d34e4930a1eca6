#include "server/command_line.h"

int main(int argc, char** argv) {
  return cangku::server::RunCommandLine(argc, argv, CANGKU_VERSION);
}
